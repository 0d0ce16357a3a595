package grpc

import (
	"context"
	"log/slog"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/event"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// eventServer answers spaceone.api.monitoring.plugin.Event.
type eventServer struct {
	pluginpb.UnimplementedEventServer
	parse    *application.Parse
	settings Settings
	log      *slog.Logger
}

func newEventServer(p *application.Parse, s Settings, log *slog.Logger) *eventServer {
	return &eventServer{parse: p, settings: s, log: log}
}

// Parse answers Event.parse with the events of one webhook request.
func (s *eventServer) Parse(ctx context.Context, req *pluginpb.ParseRequest) (*pluginpb.EventsInfo, error) {
	opts, err := asMap("options", req.GetOptions(), s.settings.OptionsLimits)
	if err != nil {
		return nil, ToStatus(s.log, err)
	}
	data, err := asMap("data", req.GetData(), s.settings.DataLimits)
	if err != nil {
		return nil, ToStatus(s.log, err)
	}
	res, err := s.parse.Handle(ctx, opts, data)
	if err != nil {
		return nil, ToStatus(s.log, err)
	}
	if res.Notice != "" {
		s.log.InfoContext(ctx, res.Notice, "source", string(res.Source))
	}
	return EventsInfo(res.Events), nil
}

// severities spells event severities as the wire enum; "" cannot reach here, the options' default fills it.
var severities = map[event.Severity]pluginpb.EventInfo_Severity{
	event.Critical:     pluginpb.EventInfo_CRITICAL,
	event.Error:        pluginpb.EventInfo_ERROR,
	event.Warning:      pluginpb.EventInfo_WARNING,
	event.Info:         pluginpb.EventInfo_INFO,
	event.NotAvailable: pluginpb.EventInfo_NOT_AVAILABLE,
	event.None:         pluginpb.EventInfo_NONE,
}

// EventsInfo writes events as the wire message; the CLI prints the same message, so both show one answer.
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
			Resources:      e.Resources(),
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
