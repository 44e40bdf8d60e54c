import { lazy } from "react";

import type { Area } from "../../app/area";

const TrackPage = lazy(() => import("./pages/TrackPage"));

export const tracking: Area = {
  name: "tracking",
  routes: [],
  menu: [],
  publicRoutes: [{ path: "track/:orderNo", element: <TrackPage /> }],
};
