/**
 * One context block, resolved for one decided asset: the read (or the recorded reason it is skipped
 * before any retrieval), its settings by override precedence, and the derived datapoint and prompt
 * budgets. Pure. Precedence for each setting (first that is set wins):
 *   1. per-asset configuration   data stream `assetOverrides[symbol].<setting>`      -> "asset_override"
 *   2. the block's own setting   `blocks[i].<setting>`                               -> "block"
 *   3. the profile in force, chosen by asset assignment > group (category) > stream default,
 *      read from the stream's edited `profileDefinitions[profile]`                  -> "profile_definition"
 *   4. the built-in profile definition                                               -> "builtin"
 * A granularity finer than the channel's native one is then raised to it             -> "channel_native"
 * Group profiles use the decided asset's category; a cross-asset read (BTC deciding, ETH read) is
 * configured from the BTC branch.
 */
import { type Asset, type HyperliquidChannel, supportsChannel } from "../../market-data";
import {
  BLOCK_SETTING_NAMES,
  type BlockSettingName,
  type BlockSettings,
  BUILTIN_PROFILES,
  type ContextBlock,
  type DataStreamConfig,
  type Profile,
} from "./configs.model";
import type { Registry } from "./graph.validate";
import type { ProfileOrigin, Read, SettingOrigin, SkippedRead, SkipReason } from "./plan.model";

const GRANULARITY_SEC: Record<BlockSettings["granularity"], number> = {
  "1m": 60,
  "5m": 300,
  "15m": 900,
  "1h": 3600,
  "4h": 14_400,
  "1d": 86_400,
};
/** The finest granularity a channel has (hourly funding, daily DefiLlama points); a finer setting is raised to it. */
const NATIVE_GRANULARITY: Partial<Record<string, BlockSettings["granularity"]>> = {
  ohlcv_1h: "1h",
  funding: "1h",
  tvl: "1d",
  stablecoins: "1d",
  dex_volume: "1d",
  fees: "1d",
  revenue: "1d",
  open_interest: "1d",
};
/** Upper bound on datapoints retrieved per read, by retrieval depth. */
export const DEPTH_CAP: Record<BlockSettings["retrievalDepth"], number> = { shallow: 60, standard: 240, deep: 1000 };
/** Rough prompt tokens per datapoint by channel family (an OHLCV row is five numbers and a time). */
const tokensPerPoint = (channel: string) => (channel.startsWith("ohlcv") ? 12 : channel === "markets" || channel === "events" ? 40 : 6);
const SUMMARY_POINTS = 8;

/** max datapoints = min(lookback / granularity rounded up, depth cap). */
export function maxDatapoints(s: BlockSettings): number {
  return Math.min(Math.ceil((s.lookbackMinutes * 60) / GRANULARITY_SEC[s.granularity]), DEPTH_CAP[s.retrievalDepth]);
}

/** Prompt budget: raw = every datapoint, summary = a fixed stats block, latest = one point, exclude = 0. */
export function promptBudgetTokens(s: BlockSettings, channel: string, datapoints: number): number {
  const per = tokensPerPoint(channel);
  switch (s.promptInclusion) {
    case "raw":
      return datapoints * per;
    case "summary":
      return SUMMARY_POINTS * per;
    case "latest":
      return per;
    case "exclude":
      return 0;
  }
}

function subjectOf(block: ContextBlock, symbol: string): string {
  if (block.source === "hyperliquid") return block.asset ?? symbol;
  if (block.scope) {
    const s = block.scope;
    return s.kind === "global"
      ? "global"
      : s.kind === "chain"
        ? `chain:${s.chain}`
        : s.kind === "protocol"
          ? `protocol:${s.protocol}`
          : `stablecoin:${s.stablecoin}`;
  }
  return block.target ? `${block.target.kind}:${block.target.slug}` : "global";
}

/** Settings of `block` for decided asset `decided`, with where each value came from. */
export function resolveSettings(stream: DataStreamConfig, block: ContextBlock, decided: Asset) {
  const override = stream.assetOverrides[decided.symbol];
  const group = stream.groupProfiles[decided.category];
  const [profile, profileOrigin]: [Profile, ProfileOrigin] = override?.profile
    ? [override.profile, "asset"]
    : group
      ? [group, "group"]
      : [stream.profile, "default"];
  const edited = stream.profileDefinitions[profile];
  const settings = {} as Record<BlockSettingName, unknown>;
  const settingOrigins = {} as Record<BlockSettingName, SettingOrigin>;
  for (const name of BLOCK_SETTING_NAMES) {
    const [value, origin]: [unknown, SettingOrigin] =
      override?.[name] !== undefined
        ? [override[name], "asset_override"]
        : block[name] !== undefined
          ? [block[name], "block"]
          : edited?.[name] !== undefined
            ? [edited[name], "profile_definition"]
            : [BUILTIN_PROFILES[profile][name], "builtin"];
    settings[name] = value;
    settingOrigins[name] = origin;
  }
  return { settings: settings as BlockSettings, settingOrigins, profile, profileOrigin };
}

/** The read of `block` for decided asset `decided`, or why it is skipped (checked before any retrieval). */
export function planRead(
  stream: { id: string; config: DataStreamConfig },
  block: ContextBlock,
  decided: Asset,
  registry: Registry,
): { read: Read } | { skipped: SkippedRead } {
  const contextSymbol = subjectOf(block, decided.symbol);
  const base = {
    dataStreamNodeId: stream.id,
    blockId: block.id,
    source: block.source,
    channel: block.channel,
    symbol: decided.symbol,
    contextSymbol,
  };
  const skip = (reason: SkipReason, message: string) => ({ skipped: { ...base, reason, message } });
  if (stream.config.sourcePolicy[block.source]?.enabled === false)
    return skip("source_disabled", `source ${block.source} is disabled by sourcePolicy`);
  if (block.source === "hyperliquid") {
    const subject = registry.get(contextSymbol);
    if (!subject) return skip("unknown_asset", `${contextSymbol} is not in the asset registry`);
    if (subject.isDelisted) return skip("asset_delisted", `${contextSymbol} is delisted`);
    if (!supportsChannel(subject, block.channel as HyperliquidChannel)) {
      return skip("channel_unsupported", `${contextSymbol} (${subject.kind}) does not support channel ${block.channel}`);
    }
  }
  const { settings, settingOrigins, profile, profileOrigin } = resolveSettings(stream.config, block, decided);
  const native = NATIVE_GRANULARITY[block.channel] ?? "1m";
  if (GRANULARITY_SEC[native] > GRANULARITY_SEC[settings.granularity]) {
    settings.granularity = native;
    settingOrigins.granularity = "channel_native";
  }
  const points = maxDatapoints(settings);
  return {
    read: {
      ...base,
      ...settings,
      profile,
      profileOrigin,
      settingOrigins,
      maxDatapoints: points,
      promptBudgetTokens: promptBudgetTokens(settings, block.channel, points),
    },
  };
}
