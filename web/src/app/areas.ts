/** The one list of areas: each brings its routes, menu entries and i18n namespace. */
import type { Area } from "./area";
import { admin } from "../areas/admin/routes";
import { approvals } from "../areas/approvals/routes";
import { cases } from "../areas/cases/routes";
import { dashboard } from "../areas/dashboard/routes";
import { finance } from "../areas/finance/routes";
import { purchasing } from "../areas/purchasing/routes";
import { sales } from "../areas/sales/routes";
import { tracking } from "../areas/tracking/routes";
import { warehouse } from "../areas/warehouse/routes";

export const AREAS: Area[] = [dashboard, sales, approvals, purchasing, warehouse, finance, cases, admin, tracking];
