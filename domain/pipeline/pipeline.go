// Package pipeline turns one webhook body into events: the options applied in their documented order around the
// parser of the format (configured, or detected from the registry), and the answer held to its budget.
package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/source/generic"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/trust"
)

// Result is what one payload gives: events, or a subscription to confirm instead.
type Result struct {
	Source  string // the format read, detected or configured; "" when options.confirm_url matched
	Events  []event.Event
	Confirm *kit.Subscription // set when the payload asks for a subscription to be confirmed; Events is then empty
	Notice  string            // what an operator should know of a payload that gives no events, for the log
	// Signature is what AWS SNS signature verification found (its Mode "" when options.sns_verify is off); the
	// application sets it, also beside an error, so that every verification is counted.
	Signature trust.Check
}

// Normalize turns one payload, received at received, into events, applying the options in their documented
// order: message_root, load_json, confirm_url, the source parser, convert_data, event_key_fields, severity_map,
// default_severity. data is not modified. Every loop over alerts stops when ctx ends, and the answer is held to
// budget as it is built.
func Normalize(ctx context.Context, opts option.Options, data map[string]any, received time.Time, budget kit.Budget) (Result, error) {
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
				return Result{Confirm: &kit.Subscription{URL: s, TopicArn: kit.Str(doc, "TopicArn")}}, nil
			}
		}
	}
	p, err := choose(opts.Source, doc, opts.ConvertData)
	if err != nil {
		return Result{}, err
	}
	c := &kit.Call{Ctx: ctx, Received: received, Zone: opts.Location(), Budget: budget, Nested: nested(ctx, received, opts.Location(), budget)}
	alerts, err := p.Parse(doc, c)
	if err != nil {
		return Result{}, err
	}
	if confirm, notice := c.Outcome(); confirm != nil || notice != "" {
		return Result{Source: p.Name, Confirm: confirm, Notice: notice}, nil
	}
	if len(alerts) > budget.MaxEvents { // a parser that reads no list makes one event, so this never cuts work short
		return Result{}, &kit.LimitError{Limit: "max_events", Max: budget.MaxEvents, What: fmt.Sprintf("the body gives %d events", len(alerts))}
	}
	events := make([]event.Event, 0, len(alerts))
	ans := answer{budget: budget}
	levels := foldedLevels(opts.SeverityMap)
	keys := &keyCache{budget: budget}
	for i, a := range alerts {
		if err := c.Alive(); err != nil {
			return Result{}, err
		}
		if err := convert(&a, opts.ConvertData, doc, p.Name, budget); err != nil {
			return Result{}, err
		}
		if len(opts.EventKeyFields) > 0 {
			if a.Key, err = keys.key(opts.EventKeyFields, a.Scope, doc); err != nil {
				return Result{}, err
			}
		}
		if sev, ok := lookupLevel(levels, a.Level); ok {
			a.Severity = sev
		}
		if a.Severity == "" {
			a.Severity = opts.DefaultSeverity
		}
		if err := complete(&a, p.Name); err != nil {
			return Result{}, err
		}
		if err := ans.add(i, a.Event); err != nil {
			return Result{}, err
		}
		events = append(events, a.Event)
	}
	return Result{Source: p.Name, Events: events}, nil
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
			v, _ = kit.DecodeJSONText(s)
		}
		next, ok := kit.Lookup(v, []string{seg})
		if !ok {
			return nil, &kit.InvalidPayloadError{Field: strings.Join(segs[:i+1], "."),
				Reason: fmt.Sprintf("is missing, so options.message_root %q finds no document", root)}
		}
		v = next
	}
	if s, ok := v.(string); ok {
		v, _ = kit.DecodeJSONText(s)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, &kit.InvalidPayloadError{Field: string(root), Reason: "is not a JSON object, so options.message_root finds no document"}
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
		decoded, ok := kit.DecodeJSONText(s)
		if !ok {
			return nil, &kit.InvalidPayloadError{Field: string(p), Reason: "is listed in options.load_json but does not hold a JSON object or list"}
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

// key hashes the values at paths into a key, so operators can choose what makes two alerts the same.
// Each value is hashed on its own, its digest with its path into the key; a value found in the whole payload
// rather than the alert is the same for every alert, so its digest is kept for the call and it is hashed once.
// A value whose text would pass max_text_bytes is refused before it is written.
func (c *keyCache) key(paths []option.Path, scope, doc map[string]any) (string, error) {
	h := sha256.New()
	for _, p := range paths {
		d, err := c.digest(p, scope, doc)
		if err != nil {
			return "", err
		}
		writePart(h, string(p))
		writePart(h, d)
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// digest is the SHA-256 of the text at p, looked up in scope, then in doc; "" hashes as absent.
func (c *keyCache) digest(p option.Path, scope, doc map[string]any) (string, error) {
	if scope != nil {
		if v, ok := lookupPath(scope, p); ok {
			return c.hashValue(p, v)
		}
	}
	if d, ok := c.keys[string(p)]; ok {
		return d, nil
	}
	v, _ := lookupPath(doc, p)
	d, err := c.hashValue(p, v)
	if err == nil {
		if c.keys == nil {
			c.keys = map[string]string{}
		}
		c.keys[string(p)] = d
	}
	return d, err
}

func (c *keyCache) hashValue(p option.Path, v any) (string, error) {
	if n := kit.TextSize(v, c.budget.MaxTextBytes); n > c.budget.MaxTextBytes {
		return "", &kit.LimitError{Limit: "max_text_bytes", Max: c.budget.MaxTextBytes,
			What: fmt.Sprintf("options.event_key_fields %s names a value of over %d bytes", kit.Shorten(string(p)), c.budget.MaxTextBytes)}
	}
	sum := sha256.Sum256([]byte(kit.Text(v)))
	return string(sum[:]), nil
}

// keyCache keeps, for one call, the digests of body-level values event_key_fields hashed, by path: each is
// hashed once however many alerts the body has.
type keyCache struct {
	budget kit.Budget
	keys   map[string]string
}

// writePart writes s to h after its length, so that no two lists of parts hash alike.
func writePart(h hash.Hash, s string) {
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
	h.Write([]byte(s))
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

// foldedLevels is severity_map keyed by event.FoldLevel, the form every level is matched in; option.Parse has
// refused keys that fold alike, so no two keys can match one level.
func foldedLevels(m map[string]event.Severity) map[string]event.Severity {
	out := make(map[string]event.Severity, len(m))
	for k, v := range m {
		out[event.FoldLevel(k)] = v
	}
	return out
}

// lookupLevel finds a source level in severity_map, folded by foldedLevels.
func lookupLevel(folded map[string]event.Severity, level string) (event.Severity, bool) {
	if level == "" || len(folded) == 0 {
		return "", false
	}
	sev, ok := folded[event.FoldLevel(level)]
	return sev, ok
}

// complete fills what every event needs and checks what no default can give.
func complete(a *kit.Alert, src string) error {
	if a.Key == "" {
		return invalid(src, "event_key", "is missing or empty; map it with options.convert_data.event_key")
	}
	if a.Title == "" {
		if src == generic.Name {
			return invalid(src, "title", "is missing or empty; map it with options.convert_data.title")
		}
		a.Title = kit.FirstNonEmpty(a.Rule, src+" alert")
	}
	if a.Type == "" {
		a.Type = event.Alert
	}
	a.AdditionalInfo = a.Finish()
	return nil
}

// answer tracks the encoded size of an answer as its events are added.
type answer struct {
	budget kit.Budget
	bytes  int
}

// add counts e against max_event_bytes, max_answer_bytes and max_info_entries.
func (a *answer) add(i int, e event.Event) error {
	if n := len(e.AdditionalInfo); n > a.budget.MaxInfoEntries {
		return &kit.LimitError{Limit: "max_info_entries", Max: a.budget.MaxInfoEntries, What: fmt.Sprintf("event %d has %d additional_info entries", i+1, n)}
	}
	n := kit.EncodedSize(e)
	if n > a.budget.MaxEventBytes {
		return &kit.LimitError{Limit: "max_event_bytes", Max: a.budget.MaxEventBytes, What: fmt.Sprintf("event %d is %d bytes", i+1, n)}
	}
	if a.bytes += n; a.bytes > a.budget.MaxAnswerBytes {
		return &kit.LimitError{Limit: "max_answer_bytes", Max: a.budget.MaxAnswerBytes, What: fmt.Sprintf("the first %d events are %d bytes", i+1, a.bytes)}
	}
	return nil
}
