package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tipring/gateway"
)

// line runs "tipring line ...": commands on a PSTN line.
func (c *cli) line(args []string) error {
	fs := c.flagSet("line")
	seconds := fs.Float64("seconds", 0, "seconds to record (default 8)")
	signal := fs.String("signal", "busy", "what the tone means: busy or congestion")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || pos[0] != "learn-tone" {
		return usagef("line: want 'line learn-tone LINE NUMBER [--seconds N] [--signal busy|congestion]'")
	}
	if len(pos) != 3 {
		return usagef("line learn-tone: want LINE NUMBER")
	}
	if *seconds != 0 && (*seconds < gateway.LearnMinSeconds || *seconds > gateway.LearnMaxSeconds) {
		return usagef("line learn-tone: --seconds %v is not in %d-%d", *seconds, gateway.LearnMinSeconds, gateway.LearnMaxSeconds)
	}
	name, number := pos[1], pos[2]
	req := gateway.LearnRequest{Number: number, Seconds: *seconds, Signal: *signal}
	wait := time.Duration(max(*seconds, gateway.LearnDefaultSeconds)*float64(time.Second)) + 2*time.Minute
	if !c.json {
		fmt.Fprintf(c.stderr, "Seizing %s, dialling %s and listening ...\n", name, number)
	}
	b, _, err := c.call("POST", "/api/v1/lines/"+url.PathEscape(name)+"/learn-tone", req, "", wait)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(b)
	}
	var lt gateway.LearnedTone
	if err := json.Unmarshal(b, &lt); err != nil {
		return fmt.Errorf("learn-tone: unexpected answer: %v", err)
	}
	var freqs, cad []string
	for _, f := range lt.Freqs {
		freqs = append(freqs, strconv.FormatFloat(f, 'f', -1, 64))
	}
	for _, d := range lt.Cadence {
		cad = append(cad, strconv.FormatInt(d, 10))
	}
	w := c.table()
	row(w, "Line", lt.Line)
	row(w, "Dialled", lt.Number)
	row(w, "Signal", lt.Signal)
	row(w, "Frequencies", strings.Join(freqs, " + ")+" Hz")
	row(w, "Cadence", strings.Join(cad, "/")+" ms")
	row(w, "Level", fmt.Sprintf("%.1f dBm0", lt.LevelDBm0))
	row(w, "Recorded", fmt.Sprintf("%.1f s", lt.Seconds))
	if lt.ZoneTone != "" {
		row(w, "Zone tone", lt.ZoneTone+" (recognised already: no need to configure it)")
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "\nAdd to the line's configuration (lines[] entry of %s):\n    disconnect_tones: [%q]\n", lt.Line, lt.Signature)
	return nil
}
