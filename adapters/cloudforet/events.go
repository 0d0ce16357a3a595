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
	var b builder
	n := 0
	for _, e := range events {
		n += len(e.AdditionalInfo) + 3 // and the resource's three fields
	}
	b.values = make([]structpb.Value, n)
	b.strings = make([]structpb.Value_StringValue, n)
	b.structs = make([]structpb.Struct, 2*len(events))
	infos := make([]pluginpb.EventInfo, len(events))
	out := &pluginpb.EventsInfo{Results: make([]*pluginpb.EventInfo, len(events))}
	for i, e := range events {
		info := &infos[i]
		info.EventKey = e.Key
		info.EventType = string(e.Type)
		info.Title = e.Title
		info.Description = e.Description
		info.Severity = severities[e.Severity]
		info.Resource = b.resource(e.Resource)
		info.Rule = e.Rule
		info.OccurredAt = event.FormatTime(e.OccurredAt)
		info.AdditionalInfo = b.stringStruct(e.AdditionalInfo, 0)
		info.ImageUrl = e.ImageURL
		info.Provider = e.Provider
		info.Account = e.Account
		out.Results[i] = info
	}
	return out
}

// resource writes r's fields under Cloudforet's names, leaving out empty ones.
func (b *builder) resource(r event.Resource) *structpb.Struct {
	s := take(&b.structs, slabSize)
	s.Fields = make(map[string]*structpb.Value, 3)
	for _, f := range [...]struct{ k, v string }{{"resource_id", r.ID}, {"resource_type", r.Type}, {"name", r.Name}} {
		if f.v != "" {
			s.Fields[f.k] = b.str(f.v)
		}
	}
	return s
}
