package pdsim

func (s *Server) registerRoutes() {
	s.clusterRoutes()
	s.storesRoutes()
	s.regionsRoutes()
	s.operatorRoutes()
	s.schedulerRoutes()
	s.configRoutes()
	s.hotspotRoutes()
	s.maintenanceRoutes()
	s.simRoutes()
	s.tikvMetricsRoutes()
}
