package grpc

import (
	"context"

	"github.com/monhook/monhook/adapters/cloudforet"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// eventServer answers spaceone.api.monitoring.plugin.Event.
type eventServer struct {
	pluginpb.UnimplementedEventServer
	plugin *Plugin
}

func newEventServer(p *Plugin) *eventServer { return &eventServer{plugin: p} }

// Parse answers Event.parse with the events of one webhook request.
func (s *eventServer) Parse(ctx context.Context, req *pluginpb.ParseRequest) (*pluginpb.EventsInfo, error) {
	events, err := s.plugin.Parse(ctx, req.GetOptions(), req.GetData())
	if err != nil {
		return nil, err
	}
	return cloudforet.EventsInfo(events), nil
}

// monitoring is spaceone.api.monitoring.plugin, the protocol of Cloudforet's monitoring service.
func monitoring(wh *webhookServer, ev *eventServer) Protocol {
	return Protocol{Services: []Service{
		{Desc: &pluginpb.Webhook_ServiceDesc, Impl: wh},
		{Desc: &pluginpb.Event_ServiceDesc, Impl: ev},
	}}
}
