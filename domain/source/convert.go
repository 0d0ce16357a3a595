package source

import (
	"strings"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
)

// render fills t's placeholders from the alert's own object, then from the whole payload; a path found in
// neither renders as nothing, as in Jinja.
func render(t option.Template, scope, doc map[string]any) string {
	parts, err := t.Parts()
	if err != nil { // option.Parse has checked every template
		return string(t)
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Path == "" {
			b.WriteString(p.Text)
			continue
		}
		if v, ok := lookupScoped(p.Path, scope, doc); ok {
			b.WriteString(text(v))
		}
	}
	return b.String()
}

// convert overrides the alert's fields with the convert_data templates that are set.
func convert(a *Alert, cd option.ConvertData, doc map[string]any, src option.Source) error {
	set := func(t option.Template, dst *string) {
		if t != "" {
			*dst = render(t, a.Scope, doc)
		}
	}
	set(cd.EventKey, &a.Key)
	set(cd.Title, &a.Title)
	set(cd.Description, &a.Description)
	set(cd.Rule, &a.Rule)
	set(cd.ImageURL, &a.ImageURL)
	set(cd.Provider, &a.Provider)
	set(cd.Account, &a.Account)
	if r := cd.Resource; r != nil {
		set(r.ResourceID, &a.Resource.ID)
		set(r.ResourceType, &a.Resource.Type)
		set(r.Name, &a.Resource.Name)
	}
	if cd.EventType != "" {
		t, ok := parseType(render(cd.EventType, a.Scope, doc))
		if !ok {
			return invalid(src, "event_type", "rendered by options.convert_data.event_type is %q, not ALERT or RECOVERY", shorten(render(cd.EventType, a.Scope, doc)))
		}
		a.Type = t
	}
	if cd.Severity != "" {
		// A Cloudforet severity is taken as it is; anything else is the source's own level, for severity_map.
		level := strings.TrimSpace(render(cd.Severity, a.Scope, doc))
		a.Level, a.Severity = level, ""
		if s := event.Severity(strings.ToUpper(level)); s.Valid() {
			a.Severity = s
		}
	}
	if cd.OccurredAt != "" {
		// A rendered value that is no time is kept, as a source's own would be, and the event keeps its time.
		a.setTime("occurred_at", render(cd.OccurredAt, a.Scope, doc), readTime, a.OccurredAt)
	}
	if len(cd.AdditionalInfo) > 0 {
		if a.AdditionalInfo == nil {
			a.AdditionalInfo = make(map[string]string, len(cd.AdditionalInfo))
		}
		for k, t := range cd.AdditionalInfo {
			a.AdditionalInfo[k] = render(t, a.Scope, doc)
		}
	}
	return nil
}

// parseType reads an event type in any case.
func parseType(s string) (event.Type, bool) {
	switch t := event.Type(strings.ToUpper(strings.TrimSpace(s))); t {
	case event.Alert, event.Recovery:
		return t, true
	}
	return "", false
}
