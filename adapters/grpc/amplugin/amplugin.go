// Package amplugin serves spaceone.api.alert_manager.plugin, the plugin protocol of Cloudforet's Alert Manager: a
// second inbound adapter over the same use cases, through adapters/grpc's Plugin and server. Its services only
// translate: their requests into the Struct documents every protocol shares, and the events back into the Alert
// Manager's EventsInfo (adapters/cloudforet). Options, schema, sources, limits and errors are the monitoring
// protocol's, call for call.
package amplugin

import (
	"context"
	"log/slog"

	"go.uber.org/fx"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/monhook/monhook/adapters/cloudforet"
	grpcadapter "github.com/monhook/monhook/adapters/grpc"
	ampluginpb "github.com/monhook/monhook/proto/spaceone/api/alert_manager/plugin"
)

// answerer is what both services answer with: the Plugin every protocol shares, and the log the ignored
// domain_id goes to.
type answerer struct {
	plugin *grpcadapter.Plugin
	log    *slog.Logger
}

// ignoreDomain logs the caller's domain_id at debug level only: no answer depends on it, and as a caller's text it
// never becomes a metric label or a field of the request line.
func (a answerer) ignoreDomain(ctx context.Context, domainID string) {
	a.log.DebugContext(ctx, "domain_id ignored", "domain_id", cloudforet.Clip(domainID))
}

// webhookServer answers spaceone.api.alert_manager.plugin.Webhook.
type webhookServer struct {
	ampluginpb.UnimplementedWebhookServer
	answerer
}

// Init answers Webhook.init with the plugin's metadata, the same document the monitoring protocol's init answers.
func (s *webhookServer) Init(ctx context.Context, req *ampluginpb.InitRequest) (*ampluginpb.PluginInfo, error) {
	s.ignoreDomain(ctx, req.GetDomainId())
	md, err := s.plugin.Init(ctx, req.GetOptions())
	if err != nil {
		return nil, err
	}
	return &ampluginpb.PluginInfo{Metadata: md}, nil
}

// Verify answers Webhook.verify: Empty when the options are valid.
func (s *webhookServer) Verify(ctx context.Context, req *ampluginpb.VerifyRequest) (*emptypb.Empty, error) {
	s.ignoreDomain(ctx, req.GetDomainId())
	if err := s.plugin.Verify(ctx, req.GetOptions()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// eventServer answers spaceone.api.alert_manager.plugin.Event.
type eventServer struct {
	ampluginpb.UnimplementedEventServer
	answerer
}

// Parse answers Event.parse with the events of one webhook request, spelled as the Alert Manager reads them.
func (s *eventServer) Parse(ctx context.Context, req *ampluginpb.ParseRequest) (*ampluginpb.EventsInfo, error) {
	s.ignoreDomain(ctx, req.GetDomainId())
	events, err := s.plugin.Parse(ctx, req.GetOptions(), req.GetData())
	if err != nil {
		return nil, err
	}
	return cloudforet.AlertManagerEventsInfo(events), nil
}

// protocol is spaceone.api.alert_manager.plugin over p.
func protocol(p *grpcadapter.Plugin, log *slog.Logger) grpcadapter.Protocol {
	a := answerer{plugin: p, log: log}
	return grpcadapter.Protocol{Services: []grpcadapter.Service{
		{Desc: &ampluginpb.Webhook_ServiceDesc, Impl: &webhookServer{answerer: a}},
		{Desc: &ampluginpb.Event_ServiceDesc, Impl: &eventServer{answerer: a}},
	}}
}

// Module is the Protocol of Cloudforet's Alert Manager, for adapters/grpc's Module to serve instead of
// grpcadapter.Monitoring.
var Module = fx.Module("amplugin", fx.Provide(protocol))
