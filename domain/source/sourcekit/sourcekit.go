// Package sourcekit is what every source format shares: the Source a format is registered as, the Alert its
// parser returns, the Call it reads the time of receipt, the caller's context and the budget from, and small
// helpers for reading bodies (values as text, times, levels, keys, additional_info). It knows no format and no
// option.
package sourcekit

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/monhook/monhook/domain/event"
)

// Source is one payload format: its name (the value of the source option), how a body of it is recognized, how it
// is read, and real bodies of it for operators to try.
type Source struct {
	Name string
	// Detect looks only at which keys are present, never at their values' truthiness: a test notification's
	// orgId 0 is still Grafana.
	Detect func(doc map[string]any) bool
	Parse  func(doc map[string]any, c *Call) ([]Alert, error)
	// Examples holds the source's example bodies, *.json, one real body each (its testdata, embedded).
	Examples fs.FS
}

// Alert is what a parser reads of one alert: the event so far, the source's own level, and the part of the
// payload it came from.
type Alert struct {
	event.Event
	Level string         // the source's own level ("critical"); "" when it gives none
	Scope map[string]any // the alert's own object; templates and key fields look here before the whole payload

	unreadTimes map[string]string // source times SetTime could not read, by field, for additional_info
}

// Call is what one parse gives a parser besides the body.
type Call struct {
	Ctx      context.Context // its end stops every loop over alerts
	Received time.Time       // the time of receipt, for bodies without a time of their own
	Zone     *time.Location  // where the source wrote times that carry no offset (option source_timezone); UTC
	Budget   Budget
	// Nested parses a body another body carries (an Alertmanager body published to an SNS topic) with the format
	// detection finds for it, skipping the carrier except: it reports ok=false when no other format matches.
	Nested func(doc map[string]any, except string) (alerts []Alert, ok bool, err error)

	confirm *Subscription
	notice  string
}

// Alive reports the caller's context's end as an error, so a loop over alerts stops when nobody waits for it.
func (c *Call) Alive() error { return c.Ctx.Err() }

// Items checks a list of alerts against max_events before anything is read from it.
func (c *Call) Items(list []any) error {
	if len(list) > c.Budget.MaxEvents {
		return &LimitError{Limit: "max_events", Max: c.Budget.MaxEvents, What: fmt.Sprintf("the body holds %d alerts", len(list))}
	}
	return nil
}

// Subscription is a subscription of a cloud's notification service waiting for confirmation: its confirmation URL
// is requested only when it is that service's own, by the rules of Provider.
type Subscription struct {
	URL      string
	Provider string // SNS, also when "" (options.confirm_url), or OCINotifications
	TopicArn string // SNS: the envelope's topic, "" when the URL came from options.confirm_url alone
}

// The notification services whose subscriptions a body may ask to confirm, as Subscription.Provider names them.
const (
	SNS              = "aws" // AWS SNS
	OCINotifications = "oci" // OCI Notifications
)

// SignedBySNS reports whether the subscription is SNS's, whose confirmation messages SNS signs.
func (s Subscription) SignedBySNS() bool { return s.Provider == "" || s.Provider == SNS }

// Confirm answers a body that asks for a subscription to be confirmed rather than reports an alert; the parser
// then returns no alerts.
func (c *Call) Confirm(sub Subscription, notice string) { c.confirm, c.notice = &sub, notice }

// Notice says, for the log, what an operator should know of a body that gives no alerts.
func (c *Call) Notice(notice string) { c.notice = notice }

// Outcome is what the parser said besides alerts: a subscription to confirm, a notice.
func (c *Call) Outcome() (*Subscription, string) { return c.confirm, c.notice }

// Examples is a source's embedded testdata as its example bodies: the *.json files at the top of testdata.
func Examples(testdata embed.FS) fs.FS {
	sub, err := fs.Sub(testdata, "testdata")
	if err != nil {
		panic(err) // the directory is embedded by name; failing here is a programming error
	}
	return sub
}

// List returns the list at field of doc, the alerts a body carries, checked against max_events before anything is
// read from it; a field that is not a list is an invalid body of src.
func (c *Call) List(src string, doc map[string]any, field string) ([]any, error) {
	list, ok := doc[field].([]any)
	if !ok {
		return nil, Invalid(src, field, "is not a list")
	}
	return list, c.Items(list)
}
