import type { ReactNode } from "react";

import { Forbidden } from "../app/Shell";
import { admits, useMe, type Role } from "./useMe";

/** Renders `children` for users with one of `roles` (admin always), the 403 page otherwise. */
export function RequireRole({ roles, children }: { roles?: Role[]; children: ReactNode }) {
  const { me } = useMe();
  if (!me) return null;
  if (admits(me.roles, roles)) return <>{children}</>;
  return <Forbidden />;
}
