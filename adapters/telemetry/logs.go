package telemetry

import (
	"context"
	"log/slog"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/domain/trust"
)

// WarnUnverified logs, at warn, why a signature check did not verify: the mode, the outcome, the reason (which
// names fields and hosts, never a value of the body) and the topic. A check that verified, or none made, logs
// nothing. The server and `monhook parse` log it alike.
func WarnUnverified(ctx context.Context, log *slog.Logger, c trust.Check) {
	if c.Mode == "" || c.Outcome == trust.Verified {
		return
	}
	log.WarnContext(ctx, "sns signature not verified", "mode", string(c.Mode), "outcome", string(c.Outcome),
		"reason", cloudforet.ClipN(c.Reason, 4*128), "topic", cloudforet.Clip(c.Topic))
}
