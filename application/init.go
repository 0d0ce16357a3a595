// Package application holds monhook's use cases. They take and return domain values and know nothing of the
// transport that calls them.
package application

import (
	"context"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/plugin"
)

// Init validates options and describes the plugin to the caller (Webhook.init).
type Init struct{ build plugin.Build }

// NewInit returns an Init whose metadata reports build b.
func NewInit(b plugin.Build) *Init { return &Init{build: b} }

// Handle parses raw (nil when the request has no options) and describes the plugin; bad options come back as
// one *option.Error.
func (uc *Init) Handle(_ context.Context, raw map[string]any) (plugin.Metadata, error) {
	opts, err := option.Parse(raw)
	if err != nil {
		return plugin.Metadata{}, err // unchanged: the adapter decides how to spell it
	}
	return plugin.Describe(uc.build, opts), nil
}
