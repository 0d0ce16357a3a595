package sourcekit

import "fmt"

// InvalidPayloadError says a body of a known format cannot be read: which field is missing or malformed.
type InvalidPayloadError struct {
	Source string // the format's name
	Field  string // dotted path in the payload; "" for the body as a whole
	Reason string
}

func (e *InvalidPayloadError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("The %s payload cannot be read: %s.", e.Source, e.Reason)
	}
	return fmt.Sprintf("The %s payload cannot be read: %s %s.", e.Source, e.Field, e.Reason)
}

// Invalid builds an InvalidPayloadError for field of source src.
func Invalid(src, field, format string, args ...any) error {
	return &InvalidPayloadError{Source: src, Field: field, Reason: fmt.Sprintf(format, args...)}
}
