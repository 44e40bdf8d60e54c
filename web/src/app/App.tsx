import { QueryClientProvider } from "@tanstack/react-query";
import { App as AntApp, ConfigProvider, Spin } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { lazy, Suspense, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { createBrowserRouter, RouterProvider, type RouteObject } from "react-router";

import { RequireRole } from "../auth/RequireRole";
import { NotFound } from "../ui/NotFound";
import { AREAS } from "./areas";
import { preloader, samePageKeepsPreload, type Preload } from "./preload";
import { queryClient } from "./queryClient";
import { Shell } from "./Shell";

// Its own chunk: the form machinery it needs is not the shell's (a signed-in user never loads it).
const LoginPage = lazy(() => import("./LoginPage"));

export function routes(): RouteObject[] {
  const guarded = AREAS.flatMap((area) =>
    area.routes.map((r) => {
      const preload = (r.handle as { preload?: Preload } | undefined)?.preload;
      const loading = preload ? { loader: preloader(preload, area.roles), shouldRevalidate: samePageKeepsPreload } : {};
      return { ...r, ...loading, element: <RequireRole roles={area.roles}>{r.element}</RequireRole> } as RouteObject;
    }),
  );
  return [
    { path: "/login", element: <LoginPage /> },
    ...AREAS.flatMap((a) => a.publicRoutes ?? []).map((r) => ({ ...r, path: `/${r.path}` }) as RouteObject),
    { path: "/", element: <Shell />, children: [...guarded, { path: "*", element: <NotFound /> }] },
  ];
}

const router = createBrowserRouter(routes());

export function App() {
  const { i18n } = useTranslation();
  const en = i18n.language === "en";
  useEffect(() => {
    dayjs.locale(en ? "en" : "zh-cn");
  }, [en]);
  return (
    <ConfigProvider locale={en ? enUS : zhCN} theme={{ token: { colorPrimary: "#1457d9", borderRadius: 6 } }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <Suspense fallback={<Spin fullscreen />}>
            <RouterProvider router={router} />
          </Suspense>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
