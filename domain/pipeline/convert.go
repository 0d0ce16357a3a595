package pipeline

import (
	"fmt"
	"strings"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// render fills t's placeholders from the alert's own object, then from the whole payload; a path found in
// neither renders as nothing, as in Jinja. A rendering that would pass max_text_bytes is refused before it is
// written, however often the template repeats a large value.
func render(field string, t option.Template, scope, doc map[string]any, budget kit.Budget) (string, error) {
	parts, err := t.Parts()
	if err != nil { // option.Parse has checked every template
		return string(t), nil
	}
	limit := budget.MaxTextBytes
	values := make([]any, len(parts))
	n := 0
	for i, p := range parts {
		if p.Path == "" {
			n += len(p.Text)
		} else if v, ok := lookupScoped(p.Path, scope, doc); ok {
			values[i] = v
			n += kit.TextSize(v, limit-n)
		}
		if n > limit {
			return "", &kit.LimitError{Limit: "max_text_bytes", Max: limit,
				What: fmt.Sprintf("options.convert_data.%s renders over %d bytes", field, limit)}
		}
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range parts {
		if p.Path == "" {
			b.WriteString(p.Text)
		} else {
			b.WriteString(kit.Text(values[i]))
		}
	}
	return b.String(), nil
}

// convert overrides the alert's fields with the convert_data templates that are set.
func convert(a *kit.Alert, cd option.ConvertData, doc map[string]any, src string, budget kit.Budget) error {
	var err error
	set := func(field string, t option.Template, dst *string) {
		if t != "" && err == nil {
			*dst, err = render(field, t, a.Scope, doc, budget)
		}
	}
	set("event_key", cd.EventKey, &a.Key)
	set("title", cd.Title, &a.Title)
	set("description", cd.Description, &a.Description)
	set("rule", cd.Rule, &a.Rule)
	set("image_url", cd.ImageURL, &a.ImageURL)
	set("provider", cd.Provider, &a.Provider)
	set("account", cd.Account, &a.Account)
	if r := cd.Resource; r != nil {
		set("resource.resource_id", r.ResourceID, &a.Resource.ID)
		set("resource.resource_type", r.ResourceType, &a.Resource.Type)
		set("resource.name", r.Name, &a.Resource.Name)
	}
	var typ, level, at string
	set("event_type", cd.EventType, &typ)
	set("severity", cd.Severity, &level)
	set("occurred_at", cd.OccurredAt, &at)
	if err != nil {
		return err
	}
	if cd.EventType != "" {
		t, ok := event.ParseType(typ)
		if !ok {
			return invalid(src, "event_type", "rendered by options.convert_data.event_type is %q, not ALERT or RECOVERY", kit.Shorten(typ))
		}
		a.Type = t
	}
	if cd.Severity != "" {
		// A Cloudforet severity is taken as it is; anything else is the source's own level, for severity_map.
		level = strings.TrimSpace(level)
		a.Level, a.Severity = level, ""
		if s, ok := event.ParseSeverity(level); ok {
			a.Severity = s
		}
	}
	if cd.OccurredAt != "" {
		// A rendered value that is no time is kept, as a source's own would be, and the event keeps its time.
		a.SetTime("occurred_at", at, kit.ReadTime, a.OccurredAt)
	}
	if len(cd.AdditionalInfo) > 0 {
		if a.AdditionalInfo == nil {
			a.AdditionalInfo = make(map[string]string, len(cd.AdditionalInfo))
		}
		for k, t := range cd.AdditionalInfo {
			v, err := render("additional_info."+kit.Shorten(k), t, a.Scope, doc, budget)
			if err != nil {
				return err
			}
			a.AdditionalInfo[k] = v
		}
	}
	return nil
}
