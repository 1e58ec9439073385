//go:build !linux

package dahdi

import (
	"errors"
	"fmt"

	"tipring/hal"
)

// Board is the DAHDI board; DAHDI exists only on Linux.
type Board struct{}

var errNotLinux = fmt.Errorf("hal/dahdi: %w: DAHDI needs Linux", errors.ErrUnsupported)

// Open fails: DAHDI needs Linux.
func Open(cfg Config) (*Board, error) { return nil, errNotLinux }

// Scan fails: DAHDI needs Linux.
func Scan(devDir string) (*ScanReport, error) { return nil, errNotLinux }

// Name returns "dahdi".
func (b *Board) Name() string { return "dahdi" }

// Spans returns nothing.
func (b *Board) Spans() []hal.Span { return nil }

// Close does nothing.
func (b *Board) Close() error { return nil }
