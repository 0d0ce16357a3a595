package source

import (
	"fmt"
	"strings"

	"github.com/monhook/monhook/domain/option"
)

// InvalidPayloadError says a body of a known format cannot be read: which field is missing or malformed.
type InvalidPayloadError struct {
	Source option.Source
	Field  string // dotted path in the payload; "" for the body as a whole
	Reason string
}

func (e *InvalidPayloadError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("The %s payload cannot be read: %s.", e.Source, e.Reason)
	}
	return fmt.Sprintf("The %s payload cannot be read: %s %s.", e.Source, e.Field, e.Reason)
}

// UnsupportedPayloadError says no parser recognized a body.
type UnsupportedPayloadError struct {
	Tried []option.Source
}

func (e *UnsupportedPayloadError) Error() string {
	names := make([]string, len(e.Tried))
	for i, s := range e.Tried {
		names[i] = string(s)
	}
	return fmt.Sprintf("The payload matches none of the supported sources (tried %s). "+
		"Set options.source to the payload's format, or map its fields with options.convert_data "+
		"(event_key and title at least) and options.source generic.", strings.Join(names, ", "))
}

func invalid(src option.Source, field, format string, args ...any) error {
	return &InvalidPayloadError{Source: src, Field: field, Reason: fmt.Sprintf(format, args...)}
}
