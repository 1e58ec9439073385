package dahdi

import "log/slog"

// Config configures Open.
type Config struct {
	// DevDir is where the DAHDI device nodes live; default "/dev/dahdi".
	DevDir string
	// FrameMs is the audio frame length in milliseconds: 10, 20 or 30
	// (default 20). It becomes the channel block size.
	FrameMs int
	// Buffers is the number of kernel buffers of one frame in each
	// direction (DAHDI_SET_BUFINFO numbufs), 2 to 16; default 4.
	Buffers int
	// Logger receives rare diagnostics; nil discards them.
	Logger *slog.Logger
}
