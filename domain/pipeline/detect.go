package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/source"
	"github.com/monhook/monhook/domain/source/generic"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// UnsupportedPayloadError says no format recognized a body.
type UnsupportedPayloadError struct {
	Tried []string // the formats tried, in detection order
}

func (e *UnsupportedPayloadError) Error() string {
	return fmt.Sprintf("The payload matches none of the supported sources (tried %s). "+
		"Set options.source to the payload's format, or map its fields with options.convert_data "+
		"(event_key and title at least) and options.source generic.", strings.Join(e.Tried, ", "))
}

// choose returns the format src names, or the first whose detection matches doc when src is auto. A body that
// matches nothing but is mapped by convert_data (event_key and title) is read as generic.
func choose(src option.Source, doc map[string]any, cd option.ConvertData) (kit.Source, error) {
	if src != option.Auto {
		if s, ok := source.Lookup(string(src)); ok {
			return s, nil
		}
		return kit.Source{}, &kit.InvalidPayloadError{Source: string(src),
			Reason: "this version of monhook has no parser for it; set options.source to one of " + strings.Join(source.Names(), ", ")}
	}
	if s, ok := source.Detect(doc, ""); ok {
		return s, nil
	}
	if cd.EventKey != "" && cd.Title != "" {
		return generic.Source, nil
	}
	return kit.Source{}, &UnsupportedPayloadError{Tried: source.Names()}
}

// nested is the Call.Nested of a call: it parses a body another carries with the format detected for it.
func nested(ctx context.Context, received time.Time, zone *time.Location, budget kit.Budget) func(map[string]any, string) ([]kit.Alert, bool, error) {
	return func(doc map[string]any, except string) ([]kit.Alert, bool, error) {
		s, ok := source.Detect(doc, except)
		if !ok {
			return nil, false, nil
		}
		c := &kit.Call{Ctx: ctx, Received: received, Zone: zone, Budget: budget, Nested: nested(ctx, received, zone, budget)}
		alerts, err := s.Parse(doc, c)
		return alerts, true, err
	}
}

// lookupPath is kit.Lookup for a dotted path that option.Parse has already checked.
func lookupPath(v any, p option.Path) (any, bool) {
	segs, err := p.Segments()
	if err != nil {
		return nil, false
	}
	return kit.Lookup(v, segs)
}

func invalid(src, field, format string, args ...any) error {
	return kit.Invalid(src, field, format, args...)
}
