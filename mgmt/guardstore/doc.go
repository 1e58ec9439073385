// Package guardstore keeps the SIP guard's management edits across
// restarts: allow and deny list entries set through the API and manual
// blocks, in a small JSON file in the data directory (normally
// <data_dir>/guard.json).
//
// # How it works
//
// Open takes a *guard.Guard built from the configuration file: the lists
// the guard holds at that moment are the configuration's. It reads the
// file and puts its entries on top: the guard's allow list becomes the
// configuration's entries followed by the stored API entries (duplicates
// dropped), the same for the deny list, and each stored manual block that
// has not expired is blocked again for the time it has left.
//
// A *Store implements the API's Security interface. SetAllowList and
// SetDenyList take the whole list the operator wants; entries that come
// from the configuration stay whatever the list says (only the
// configuration file removes them), the others become the API entries and
// are saved. ConfigAllowList and ConfigDenyList tell the API which entries
// came from the configuration. Block and Unblock save the manual blocks.
//
// The file is a JSON object {"version":1,"allow":[...],"deny":[...],
// "blocks":[{"addr","until","reason"}]} with prefixes in CIDR notation and
// times in RFC 3339. It is written atomically: a temporary file in the same
// directory, fsync, rename over the old file, fsync of the directory, so a
// power cut leaves either the old or the new file. A file that cannot be
// read or parsed is renamed to guard.json.corrupt (kept for the operator),
// Open returns the Store with the configuration's lists only together with
// an error saying what was wrong, and the daemon logs it and carries on.
// A JSON file rather than the CDR database: the lists are a few entries
// edited by hand, rewritten whole, and an operator can read the file.
//
// # Concurrency
//
// A *Store is safe for concurrent use. Edits and saves are serialised by a
// mutex; reads go straight to the guard, which is itself safe for
// concurrent use.
package guardstore
