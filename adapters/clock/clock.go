// Package clock gives the application the system's time.
package clock

import (
	"time"

	"go.uber.org/fx"

	"github.com/monhook/monhook/application"
)

// System reads the wall clock.
type System struct{}

// Now returns the current time.
func (System) Now() time.Time { return time.Now() }

// Module offers the system clock as the application's Clock.
var Module = fx.Module("clock", fx.Provide(fx.Annotate(func() System { return System{} }, fx.As(new(application.Clock)))))
