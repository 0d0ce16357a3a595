// Package sns handles AWS SNS subscription confirmations on the application's behalf.
package sns

import (
	"context"
	"log/slog"
	"net/url"

	"go.uber.org/fx"

	"github.com/monhook/monhook/application"
)

// LogConfirmer records a subscription confirmation instead of completing it: this version never makes an
// outbound request on a payload's word. The operator can confirm by opening the logged URL.
type LogConfirmer struct{ log *slog.Logger }

// NewLogConfirmer returns a LogConfirmer writing to log.
func NewLogConfirmer(log *slog.Logger) *LogConfirmer { return &LogConfirmer{log: log} }

// Confirm logs the URL's host, and the URL itself, cut to 200 characters, for a person to act on.
func (c *LogConfirmer) Confirm(ctx context.Context, subscribeURL string) error {
	host := ""
	if u, err := url.Parse(subscribeURL); err == nil {
		host = u.Host
	}
	shown := subscribeURL
	if r := []rune(shown); len(r) > 200 {
		shown = string(r[:200]) + "…"
	}
	c.log.WarnContext(ctx, "subscription confirmation received and not confirmed; open the URL to confirm it",
		"host", host, "subscribe_url", shown)
	return nil
}

// Module offers the LogConfirmer as the application's Confirmer.
var Module = fx.Module("sns", fx.Provide(fx.Annotate(NewLogConfirmer, fx.As(new(application.Confirmer)))))
