/**
 * Stand-in servers that `npm start` runs beside `wrangler dev` in replay mode. Each speaks the real
 * protocol of an external service, fed by real recorded data, and returns the wrangler vars that
 * point the Worker at it. Live mode starts none and keeps the real base URLs from wrangler.toml.
 */
import { startDefillamaStandIn } from "../stand-ins/defillama.stand-in";
import { startPolymarketStandIn } from "../stand-ins/polymarket.stand-in";

export interface LocalService {
  name: string;
  start(): Promise<{ vars: Record<string, string>; stop(): Promise<void> }>;
}

export const LOCAL_SERVICES: LocalService[] = [
  { name: "polymarket (Gamma + CLOB, recorded)", start: startPolymarketStandIn },
  { name: "defillama (recorded)", start: startDefillamaStandIn },
];
