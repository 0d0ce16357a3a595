package source

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
)

// Alert is what a parser reads of one alert: the event so far, the source's own level, and the part of the
// payload it came from.
type Alert struct {
	event.Event
	Level string         // the source's own level ("critical"); "" when it gives none
	Scope map[string]any // the alert's own object; templates and key fields look here before the whole payload

	unreadTimes map[string]string // source times setTime could not read, by field, for additional_info
}

// Result is what one payload gives: events, or a subscription to confirm instead.
type Result struct {
	Source  option.Source // the format read, detected or configured; "" when options.confirm_url matched
	Events  []event.Event
	Confirm *Subscription // set when the payload asks for a subscription to be confirmed; Events is then empty
	Notice  string        // what an operator should know of a payload that gives no events, for the log
}

// Subscription is an AWS SNS subscription waiting for confirmation. TopicArn is the envelope's, "" when the URL
// came from options.confirm_url alone.
type Subscription struct {
	URL      string
	TopicArn string
}

// outcome is how a parser answers a payload that is not an alert: a confirmation request or a notice. Normalize
// turns it into the Result.
type outcome struct {
	confirm *Subscription
	notice  string
}

func (o *outcome) Error() string { return "not an alert: " + o.notice }

// Normalize turns one payload, received at received, into events, applying the options in their documented
// order: message_root, load_json, confirm_url, the source parser, convert_data, event_key_fields, severity_map,
// default_severity. data is not modified.
func Normalize(opts option.Options, data map[string]any, received time.Time) (Result, error) {
	doc, err := applyMessageRoot(data, opts.MessageRoot)
	if err != nil {
		return Result{}, err
	}
	if doc, err = applyLoadJSON(doc, opts.LoadJSON); err != nil {
		return Result{}, err
	}
	if opts.ConfirmURL != "" {
		if u, ok := lookupPath(doc, opts.ConfirmURL); ok {
			if s, ok := u.(string); ok && s != "" {
				return Result{Confirm: &Subscription{URL: s, TopicArn: str(doc, "TopicArn")}}, nil
			}
		}
	}
	p, err := choose(opts.Source, doc, opts.ConvertData)
	if err != nil {
		return Result{}, err
	}
	alerts, err := p.parse(doc, received)
	var o *outcome
	if errors.As(err, &o) {
		return Result{Source: p.source, Confirm: o.confirm, Notice: o.notice}, nil
	}
	if err != nil {
		return Result{}, err
	}
	events := make([]event.Event, 0, len(alerts))
	for _, a := range alerts {
		if err := convert(&a, opts.ConvertData, doc, p.source); err != nil {
			return Result{}, err
		}
		if len(opts.EventKeyFields) > 0 {
			a.Key = keyFromFields(opts.EventKeyFields, a.Scope, doc)
		}
		if sev, ok := lookupLevel(opts.SeverityMap, a.Level); ok {
			a.Severity = sev
		}
		if a.Severity == "" {
			a.Severity = opts.DefaultSeverity
		}
		if err := complete(&a, p.source); err != nil {
			return Result{}, err
		}
		events = append(events, a.Event)
	}
	return Result{Source: p.source, Events: events}, nil
}

// applyMessageRoot descends to the document at root, decoding string values on the way that hold JSON (a
// Grafana message carried as text inside another system's envelope).
func applyMessageRoot(data map[string]any, root option.Path) (map[string]any, error) {
	if root == "" {
		return data, nil
	}
	segs, _ := root.Segments()
	var v any = data
	for i, seg := range segs {
		if s, ok := v.(string); ok {
			v, _ = decodeJSONText(s)
		}
		next, ok := lookup(v, []string{seg})
		if !ok {
			return nil, &InvalidPayloadError{Field: strings.Join(segs[:i+1], "."),
				Reason: fmt.Sprintf("is missing, so options.message_root %q finds no document", root)}
		}
		v = next
	}
	if s, ok := v.(string); ok {
		v, _ = decodeJSONText(s)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, &InvalidPayloadError{Field: string(root), Reason: "is not a JSON object, so options.message_root finds no document"}
	}
	return doc, nil
}

// applyLoadJSON decodes the JSON text at each path, copying the maps on the way so the caller's data is kept.
// An absent path is skipped: not every payload of a source carries every field.
func applyLoadJSON(doc map[string]any, paths []option.Path) (map[string]any, error) {
	for _, p := range paths {
		v, ok := lookupPath(doc, p)
		s, isText := v.(string)
		if !ok || !isText {
			continue
		}
		decoded, ok := decodeJSONText(s)
		if !ok {
			return nil, &InvalidPayloadError{Field: string(p), Reason: "is listed in options.load_json but does not hold a JSON object or list"}
		}
		segs, _ := p.Segments()
		doc = replaced(doc, segs, decoded).(map[string]any)
	}
	return doc, nil
}

// replaced returns a copy of v with the value at segs set to value; only the maps and lists on the path are copied.
func replaced(v any, segs []string, value any) any {
	if len(segs) == 0 {
		return value
	}
	switch n := v.(type) {
	case map[string]any:
		c := maps.Clone(n)
		c[segs[0]] = replaced(n[segs[0]], segs[1:], value)
		return c
	case []any:
		c := append([]any(nil), n...)
		if i, err := strconv.Atoi(segs[0]); err == nil && i >= 0 && i < len(c) {
			c[i] = replaced(c[i], segs[1:], value)
		}
		return c
	}
	return v
}

// keyFromFields hashes the values at paths into a key, so operators can choose what makes two alerts the same.
func keyFromFields(paths []option.Path, scope, doc map[string]any) string {
	h := sha256.New()
	for _, p := range paths {
		v, _ := lookupScoped(p, scope, doc)
		h.Write([]byte(p))
		h.Write([]byte{0})
		h.Write([]byte(text(v)))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// lookupScoped finds p in the alert's own object first, then in the whole payload.
func lookupScoped(p option.Path, scope, doc map[string]any) (any, bool) {
	if scope != nil {
		if v, ok := lookupPath(scope, p); ok {
			return v, true
		}
	}
	return lookupPath(doc, p)
}

// lookupLevel finds a source level in severity_map, whose keys match case-insensitively.
func lookupLevel(m map[string]event.Severity, level string) (event.Severity, bool) {
	if level == "" || len(m) == 0 {
		return "", false
	}
	level = strings.TrimSpace(level)
	for k, v := range m {
		if strings.EqualFold(k, level) {
			return v, true
		}
	}
	return "", false
}

// complete fills what every event needs and checks what no default can give.
func complete(a *Alert, src option.Source) error {
	if a.Key == "" {
		return invalid(src, "event_key", "is missing or empty; map it with options.convert_data.event_key")
	}
	if a.Title == "" {
		if src == option.Generic {
			return invalid(src, "title", "is missing or empty; map it with options.convert_data.title")
		}
		a.Title = firstNonEmpty(a.Rule, string(src)+" alert")
	}
	if a.Type == "" {
		a.Type = event.Alert
	}
	a.AdditionalInfo = storableInfo(a.AdditionalInfo, a.unreadTimes)
	return nil
}

// storableInfo is info as Cloudforet can store and route it: times the parser could not read added under their
// field names (unless info has that name already), empty values left out, and every key made storable by
// event.StorableInfo ("labels.alertname" becomes "labels_alertname").
func storableInfo(info, unreadTimes map[string]string) map[string]string {
	out := make(map[string]string, len(info)+len(unreadTimes))
	for k, v := range info {
		if v != "" {
			out[k] = v
		}
	}
	for k, v := range unreadTimes {
		if _, ok := out[k]; !ok && v != "" {
			out[k] = v
		}
	}
	return event.StorableInfo(out)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
