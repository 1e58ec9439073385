package dahdi

import "log/slog"

// Config configures Open.
type Config struct {
	// DevDir is where the DAHDI device nodes live; default "/dev/dahdi".
	DevDir string
	// SysDir is the driver's channel directory in sysfs, where each
	// channel's echo canceller is named (ec_factory); default
	// "/sys/bus/dahdi_channels/devices".
	SysDir string
	// FrameMs is the audio frame length in milliseconds: 10, 20 or 30
	// (default 20). It becomes the channel block size.
	FrameMs int
	// Buffers is the number of kernel buffers of one frame in each
	// direction (DAHDI_SET_BUFINFO numbufs), 2 to 16; default 4.
	Buffers int
	// Logger receives rare diagnostics; nil discards them.
	Logger *slog.Logger
}
