// Command tipring is the command-line client of the tipringd daemon.
//
// It shows the gateway's status, ports, active calls, SIP registrations and
// call detail records through the daemon's REST API (mgmt/api), checks
// configuration files locally (mgmt/config), and drives the simulated
// board's phones and central-office lines so that a person or a test
// outside the daemon can make calls happen. "line learn-tone" has the
// daemon learn the disconnect tone of an unknown PBX on a line and prints it
// in the syntax of lines[].disconnect_tones:
//
//	tipring status
//	tipring cdr --limit 50 --number 2001
//	tipring config check /etc/tipring/tipring.yaml
//	tipring sim phone 1 offhook
//	tipring sim phone 1 dial 2002
//	tipring sim line 1 ring --number 5551234 --name "Ann"
//	tipring sim phone 2 record 2 -o heard.wav
//	tipring line learn-tone pstn1 5551234 --seconds 8
//
// The daemon's address comes from --api, else $TIPRING_API, else
// http://127.0.0.1:8080. Output is an aligned table; --json prints the
// API's JSON instead. Exit status: 0 success, 1 failure (daemon unreachable,
// an API error, an invalid configuration), 2 a wrong command line.
//
// The program is one request per invocation; it has no concurrency.
package main
