package cdrstore

import (
	"context"
	"fmt"

	"tipring/gateway"
)

var _ gateway.SettingsStore = (*Store)(nil)

// LoadPortSettings returns the subscriber settings (DND, forwarding) saved
// for each port. It implements gateway.SettingsStore.
func (s *Store) LoadPortSettings() (map[string]gateway.PortSettings, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*busyTimeout)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT port, dnd, forward_always, forward_busy, forward_no_answer FROM port_settings`)
	if err != nil {
		return nil, fmt.Errorf("cdrstore: port settings: %w", err)
	}
	defer rows.Close()
	out := map[string]gateway.PortSettings{}
	for rows.Next() {
		var port string
		var ps gateway.PortSettings
		if err := rows.Scan(&port, &ps.DND, &ps.ForwardAlways, &ps.ForwardBusy, &ps.ForwardNoAnswer); err != nil {
			return nil, fmt.Errorf("cdrstore: port settings: %w", err)
		}
		out[port] = ps
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cdrstore: port settings: %w", err)
	}
	return out, nil
}

// SavePortSettings stores port's subscriber settings, replacing what was
// saved before. It implements gateway.SettingsStore.
func (s *Store) SavePortSettings(port string, ps gateway.PortSettings) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*busyTimeout)
	defer cancel()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.db.ExecContext(ctx, `INSERT INTO port_settings (port, dnd, forward_always, forward_busy, forward_no_answer)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(port) DO UPDATE SET dnd = excluded.dnd, forward_always = excluded.forward_always,
			forward_busy = excluded.forward_busy, forward_no_answer = excluded.forward_no_answer`,
		port, ps.DND, ps.ForwardAlways, ps.ForwardBusy, ps.ForwardNoAnswer)
	if err != nil {
		return fmt.Errorf("cdrstore: save port settings %s: %w", port, err)
	}
	return nil
}
