/** The `hold` engine: the safe local no-op. Always proposes a hold, costs nothing, needs no network. */
import type { DecisionEngine } from "../decision.model";
import { ZERO_USAGE } from "../decision.model";

export const holdEngine: DecisionEngine = {
  id: "hold",
  async decide(packet) {
    return {
      proposal: { symbol: packet.symbol, action: "hold", confidence: 1, reason: "hold engine: never trades" },
      usage: ZERO_USAGE,
      engineMs: 0,
    };
  },
};
