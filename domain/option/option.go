// Package option defines the options a monhook webhook accepts: one tagged struct read by the strict decoder, by
// validator/v10 and by Schema, so the published schema and the checks cannot drift apart.
package option

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // source_timezone's zones, the same on every machine whatever it has installed

	"github.com/monhook/monhook/domain/event"
)

// Options is a validated options document; Parse is the only way to get one.
type Options struct {
	Source          Source                    `json:"source" validate:"source" doc:"Payload format Event.parse reads; auto detects it per request."`
	MessageRoot     Path                      `json:"message_root,omitempty" validate:"path" doc:"Path to the document inside the payload; string values on the way that hold JSON are decoded."`
	LoadJSON        []Path                    `json:"load_json" validate:"max=32,unique,dive,path" doc:"Paths whose string values are JSON documents to decode before mapping."`
	ConvertData     ConvertData               `json:"convert_data" doc:"Per-field templates: text with {{ path }} placeholders that override what the source parser gives."`
	ConfirmURL      Path                      `json:"confirm_url,omitempty" validate:"path" doc:"Path to an AWS SNS SubscribeURL; a payload carrying it is a subscription confirmation, not an event."`
	SeverityMap     map[string]event.Severity `json:"severity_map" validate:"max=64,dive,keys,key,endkeys,severity" doc:"Overrides of the source's severity mapping, from the source's own level (matched case-insensitively, so keys must differ in more than case; non-empty, without '.' and not starting with '$', as Cloudforet stores them) to a Cloudforet severity."`
	DefaultSeverity event.Severity            `json:"default_severity" validate:"severity" doc:"Severity of an alert whose source gives no level, or a level neither the source nor severity_map knows."`
	EventKeyFields  []Path                    `json:"event_key_fields" validate:"max=16,unique,dive,path" doc:"Paths whose values, joined and hashed, replace the source's default event key."`
	SourceTimezone  string                    `json:"source_timezone,omitempty" validate:"max=64,zone" doc:"IANA time zone (such as Europe/Berlin) in which the source writes times that carry no offset, as Zabbix writes {EVENT.DATE} {EVENT.TIME}; UTC when unset. A timezone field in the body wins. The zone must be one of the IANA time zone database."`
	SNSVerify       SNSVerify                 `json:"sns_verify" validate:"oneof=off log enforce" doc:"AWS SNS message signatures: off (not checked), log (checked; a failure is logged and counted and the body still read) or enforce (only a signed SNS message whose signature verifies is read; any other body is refused)."`
	SNSTopicArns    []TopicPattern            `json:"sns_topic_arns" validate:"max=64,unique,dive,max=512,topic" doc:"SNS topics whose messages are read, as ARNs (arn:aws:sns:<region>:<account>:<topic>) in which a segment may hold * wildcards; when set, a body from any other topic, or naming none, is refused before any outbound request."`
	BodySecret      *BodySecret               `json:"body_secret,omitempty" doc:"A secret that bodies the user templates must carry: the text at path must equal value."`
}

// ConvertData holds templates that override single fields of a parsed event.
type ConvertData struct {
	EventKey       Template            `json:"event_key,omitempty" validate:"max=4096,template" doc:"Template of the event key."`
	EventType      Template            `json:"event_type,omitempty" validate:"max=4096,template" doc:"Template of the event type: ALERT or RECOVERY."`
	Title          Template            `json:"title,omitempty" validate:"max=4096,template" doc:"Template of the title."`
	Description    Template            `json:"description,omitempty" validate:"max=4096,template" doc:"Template of the description."`
	Severity       Template            `json:"severity,omitempty" validate:"max=4096,template" doc:"Template of the severity."`
	Rule           Template            `json:"rule,omitempty" validate:"max=4096,template" doc:"Template of the rule."`
	ImageURL       Template            `json:"image_url,omitempty" validate:"max=4096,template" doc:"Template of the image URL."`
	Provider       Template            `json:"provider,omitempty" validate:"max=4096,template" doc:"Template of the provider."`
	Account        Template            `json:"account,omitempty" validate:"max=4096,template" doc:"Template of the account."`
	OccurredAt     Template            `json:"occurred_at,omitempty" validate:"max=4096,template" doc:"Template of the time the event occurred."`
	Resource       *ResourceTemplates  `json:"resource,omitempty" doc:"Templates of the resource the event is about."`
	AdditionalInfo map[string]Template `json:"additional_info,omitempty" validate:"max=128,dive,keys,key,endkeys,max=4096,template" doc:"Templates of additional_info entries, by key: non-empty, without '.' and not starting with '$', so that Cloudforet can store the key and its event rules can address it."`
}

// ResourceTemplates holds templates of an event's resource.
type ResourceTemplates struct {
	ResourceID   Template `json:"resource_id,omitempty" validate:"max=4096,template" doc:"Template of the resource id."`
	ResourceType Template `json:"resource_type,omitempty" validate:"max=4096,template" doc:"Template of the resource type."`
	Name         Template `json:"name,omitempty" validate:"max=4096,template" doc:"Template of the resource name, the one field Cloudforet keeps."`
}

// Defaults returns the options of an empty document.
func Defaults() Options {
	return Options{
		Source:          Auto,
		LoadJSON:        []Path{},
		SeverityMap:     map[string]event.Severity{},
		DefaultSeverity: event.NotAvailable,
		EventKeyFields:  []Path{},
		SNSVerify:       VerifyOff,
		SNSTopicArns:    []TopicPattern{},
	}
}

// Location is the time zone of source_timezone: UTC when it is unset. Parse has checked the name.
func (o Options) Location() *time.Location {
	if o.SourceTimezone == "" {
		return time.UTC
	}
	loc, err := LoadZone(o.SourceTimezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// zones caches the locations LoadZone has read: loading one reads the time zone database.
var zones sync.Map // name → *time.Location

// LoadZone returns the IANA time zone name, refusing "Local" (the machine's zone, which no option may depend on).
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not an IANA time zone", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// Parse decodes raw strictly, fills in defaults and checks every rule. A nil raw means the options are absent.
// Every violation is reported, as one *Error.
func Parse(raw map[string]any) (Options, error) {
	if raw == nil {
		return Options{}, newError([]Violation{{Kind: Required, Key: rootKey}})
	}
	opts := Defaults()
	var vs []Violation
	decodeStruct(rootKey, raw, &opts, &vs)
	vs = append(vs, checkSeverityKeys(opts.SeverityMap)...)
	if err := newError(vs); err != nil {
		return Options{}, err
	}
	return opts, nil
}

// rootKey names the options document in violations, as the request field that carries it.
const rootKey = "options"

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Document renders o as its JSON object, the shape a caller wrote it in, with defaults filled in: what
// encoding/json writes and reads back (strings, []any, map[string]any; an empty omitempty field left out).
func (o Options) Document() map[string]any {
	var doc map[string]any
	b, err := json.Marshal(o)
	if err == nil {
		err = json.Unmarshal(b, &doc)
	}
	if err != nil {
		panic(err) // options hold strings, lists and maps of them: failing to encode them is a programming error
	}
	return doc
}
