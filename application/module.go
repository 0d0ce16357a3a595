package application

import "go.uber.org/fx"

// Module provides the use cases. The build they report, the Clock and the Confirmer are provided by adapters.
var Module = fx.Module("application", fx.Provide(NewInit, NewVerify, NewParse))
