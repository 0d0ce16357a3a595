package application

import (
	"context"

	"github.com/monhook/monhook/domain/option"
)

// Verify checks options in full, templates and paths included (Webhook.verify).
type Verify struct{}

// NewVerify returns a Verify.
func NewVerify() *Verify { return &Verify{} }

// Handle parses raw (nil when the request has no options); bad options come back as one *option.Error.
func (uc *Verify) Handle(_ context.Context, raw map[string]any) error {
	_, err := option.Parse(raw)
	return err
}
