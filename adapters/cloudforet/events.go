package cloudforet

import (
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/domain/event"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// severities spells event severities as the wire enum; "" cannot reach here, the options' default fills it.
var severities = map[event.Severity]pluginpb.EventInfo_Severity{
	event.Critical:     pluginpb.EventInfo_CRITICAL,
	event.Error:        pluginpb.EventInfo_ERROR,
	event.Warning:      pluginpb.EventInfo_WARNING,
	event.Info:         pluginpb.EventInfo_INFO,
	event.NotAvailable: pluginpb.EventInfo_NOT_AVAILABLE,
	event.None:         pluginpb.EventInfo_NONE,
}

// EventsInfo writes events as the wire message; the CLI prints the same message, so both show one answer. The
// resource goes only in resource: Cloudforet appends resource.name to resources itself, so naming it in resources
// too would store it twice.
func EventsInfo(events []event.Event) *pluginpb.EventsInfo {
	out := &pluginpb.EventsInfo{Results: make([]*pluginpb.EventInfo, 0, len(events))}
	for _, e := range events {
		out.Results = append(out.Results, &pluginpb.EventInfo{
			EventKey:       e.Key,
			EventType:      string(e.Type),
			Title:          e.Title,
			Description:    e.Description,
			Severity:       severities[e.Severity],
			Resource:       resourceStruct(e.Resource),
			Rule:           e.Rule,
			OccurredAt:     event.FormatTime(e.OccurredAt),
			AdditionalInfo: stringStruct(e.AdditionalInfo),
			ImageUrl:       e.ImageURL,
			Provider:       e.Provider,
			Account:        e.Account,
		})
	}
	return out
}

func resourceStruct(r event.Resource) *structpb.Struct {
	return stringStruct(map[string]string{"resource_id": r.ID, "resource_type": r.Type, "name": r.Name})
}

// stringStruct writes a flat string map, leaving out empty values as Cloudforet would never show them.
func stringStruct(m map[string]string) *structpb.Struct {
	s := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(m))}
	for k, v := range m {
		if v != "" {
			s.Fields[k] = structpb.NewStringValue(v)
		}
	}
	return s
}
