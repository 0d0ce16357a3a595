// Package plugin describes monhook to the Cloudforet monitoring service that calls it.
package plugin

import (
	"github.com/monhook/monhook/domain/option"
)

// Name is the plugin's name in its metadata.
const Name = "monhook"

// SchemaKey is the metadata document's key for the options schema, which is option.Schema() in every Metadata
// Describe builds: a transport may convert that part once and reuse it.
const SchemaKey = "options_schema"

// Build identifies the running build.
type Build struct {
	Version  string
	Revision string // the commit it was built from, "" when unknown
}

// Metadata is what Webhook.init returns: the plugin, the sources it parses, its options schema, and the caller's
// options with defaults filled in.
type Metadata struct {
	Name             string
	Version          string
	SupportedSources []option.Source
	OptionsSchema    map[string]any
	Options          option.Options
}

// Describe builds the metadata of build b for validated options.
func Describe(b Build, opts option.Options) Metadata {
	return Metadata{
		Name:             Name,
		Version:          b.Version,
		SupportedSources: option.Sources(),
		OptionsSchema:    option.Schema(),
		Options:          opts,
	}
}

// Document renders m as the JSON object Cloudforet stores as the webhook's plugin metadata.
func (m Metadata) Document() map[string]any {
	sources := make([]any, len(m.SupportedSources))
	for i, s := range m.SupportedSources {
		sources[i] = string(s)
	}
	return map[string]any{
		"name":              m.Name,
		"version":           m.Version,
		"supported_sources": sources,
		SchemaKey:           m.OptionsSchema,
		"options":           m.Options.Document(),
	}
}
