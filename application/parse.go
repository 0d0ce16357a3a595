package application

import (
	"context"
	"errors"
	"time"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/sourcekit"
)

// Confirmer completes an AWS SNS subscription handshake for a payload that asks for one. It refuses, with an
// error, a URL that is not the topic's own SNS confirmation URL.
type Confirmer interface {
	Confirm(ctx context.Context, sub sourcekit.Subscription) error
}

// ConfirmError says a subscription was not confirmed; the payload is answered with it.
type ConfirmError struct{ Err error }

func (e *ConfirmError) Error() string { return "The subscription was not confirmed: " + e.Err.Error() }

func (e *ConfirmError) Unwrap() error { return e.Err }

// Clock tells the time a payload was received, for sources whose bodies carry no time of their own.
type Clock interface {
	Now() time.Time
}

// Parse turns one webhook request into events (Event.parse).
type Parse struct {
	confirmer Confirmer
	clock     Clock
	budget    sourcekit.Budget
}

// NewParse returns a Parse that hands subscription confirmations to c, reads the time of receipt from clk and
// holds every answer to budget.
func NewParse(c Confirmer, clk Clock, budget sourcekit.Budget) *Parse {
	return &Parse{confirmer: c, clock: clk, budget: budget}
}

// Handle validates rawOptions, reads data (nil for either means absent) and returns the events, or none when
// the payload was a subscription confirmation. Bad options come back as *option.Error, unreadable payloads as
// *sourcekit.InvalidPayloadError or *pipeline.UnsupportedPayloadError, an answer over budget as *sourcekit.LimitError, and
// a call whose ctx ended as ctx's error.
func (uc *Parse) Handle(ctx context.Context, rawOptions, data map[string]any) (pipeline.Result, error) {
	received := uc.clock.Now()
	opts, err := option.Parse(rawOptions)
	if data == nil {
		return pipeline.Result{}, withMissingData(err)
	}
	if err != nil {
		return pipeline.Result{}, err
	}
	res, err := pipeline.Normalize(ctx, opts, data, received, uc.budget)
	if err != nil {
		return pipeline.Result{}, err
	}
	if res.Confirm != nil {
		if err := uc.confirmer.Confirm(ctx, *res.Confirm); err != nil {
			return pipeline.Result{}, &ConfirmError{Err: err}
		}
	}
	return res, nil
}

// withMissingData adds the absent data field to the options' violations, so one answer names every problem.
func withMissingData(optErr error) error {
	missing := option.Violation{Kind: option.Required, Key: "data"}
	var oe *option.Error
	if !errors.As(optErr, &oe) {
		return &option.Error{Violations: []option.Violation{missing}}
	}
	return &option.Error{Violations: append([]option.Violation{missing}, oe.Violations...)}
}
