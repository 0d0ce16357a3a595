package application

import "go.uber.org/fx"

// Module provides the use cases; the build they report is supplied by the caller.
var Module = fx.Module("application", fx.Provide(NewInit, NewVerify))
