package source

import "github.com/monhook/monhook/domain/option"

// parser reads one payload format.
type parser struct {
	source option.Source
	// detect looks only at which keys are present, never at their values' truthiness: a test notification's
	// orgId 0 is still Grafana.
	detect func(doc map[string]any) bool
	parse  func(doc map[string]any, c *call) ([]Alert, error)
}

// parsers in detection order, most specific first: envelopes (SNS, Azure's schemaId, Google's incident) before
// what they may carry; a Grafana body also has Alertmanager's alerts and groupKey; generic matches any body in
// event shape, so it comes last. It is set in init because the SNS parser detects the body inside an envelope.
var parsers []parser

func init() {
	parsers = []parser{
		{option.AWSSNS, isAWSSNS, parseAWSSNS},
		{option.AzureMonitor, isAzureMonitor, parseAzureMonitor},
		{option.GoogleCloudMonitoring, isGoogleCloudMonitoring, parseGoogleCloudMonitoring},
		{option.Datadog, isDatadog, parseDatadog},
		{option.Grafana, isGrafana, parseGrafana},
		{option.Alertmanager, isAlertmanager, parseAlertmanager},
		{option.GrafanaLegacy, isGrafanaLegacy, parseGrafanaLegacy},
		{option.Generic, isGeneric, parseGeneric},
	}
}

// Supported lists the sources that have a parser, in the order of option.Sources.
func Supported() []option.Source {
	var out []option.Source
	for _, s := range option.Sources() {
		if _, ok := parserOf(s); ok {
			out = append(out, s)
		}
	}
	return out
}

// DetectionOrder lists the sources auto-detection tries, in order.
func DetectionOrder() []option.Source {
	out := make([]option.Source, len(parsers))
	for i, p := range parsers {
		out[i] = p.source
	}
	return out
}

func parserOf(s option.Source) (parser, bool) {
	for _, p := range parsers {
		if p.source == s {
			return p, true
		}
	}
	return parser{}, false
}

// choose returns the parser of src, or the first whose detection matches doc when src is auto. A body that
// matches nothing but is mapped by convert_data (event_key and title) is read as generic.
func choose(src option.Source, doc map[string]any, cd option.ConvertData) (parser, error) {
	if src != option.Auto {
		p, ok := parserOf(src)
		if !ok {
			return parser{}, &InvalidPayloadError{Source: src, Reason: "this version of monhook has no parser for it yet; set options.source to one of " + joinSources(Supported())}
		}
		return p, nil
	}
	for _, p := range parsers {
		if p.detect(doc) {
			return p, nil
		}
	}
	if cd.EventKey != "" && cd.Title != "" {
		p, _ := parserOf(option.Generic)
		return p, nil
	}
	return parser{}, &UnsupportedPayloadError{Tried: DetectionOrder()}
}

// Detect names the source auto-detection picks for doc, or reports that none matches.
func Detect(doc map[string]any) (option.Source, bool) {
	for _, p := range parsers {
		if p.detect(doc) {
			return p.source, true
		}
	}
	return "", false
}

func has(doc map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := doc[k]; !ok {
			return false
		}
	}
	return true
}

func hasAny(doc map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := doc[k]; ok {
			return true
		}
	}
	return false
}

func joinSources(ss []option.Source) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += string(s)
	}
	return out
}
