import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from "discord.js";
import type { BotServices } from "../discord/bot-services.js";
import { historyPageSize, renderHistoryPage } from "../presentation/history-page.js";

/** Whose history a page shows and who asks: the caller's own, or a member looked up with `/history-of`. */
export interface HistoryPageRequest {
  guildId: string;
  subjectId: string;
  self: boolean;
  pageIndex: number;
}

/**
 * One `/history` page as an ephemeral reply: the text and the paging buttons
 * (`history:<page>:<userId>`, handled by the `/history` record for both commands).
 */
export async function historyPayload(services: BotServices, request: HistoryPageRequest) {
  const { guildId, subjectId, self, pageIndex } = request;
  const result = await services.results.page({
    userId: subjectId,
    guildId,
    offset: pageIndex * historyPageSize,
    limit: historyPageSize,
  });
  const view = renderHistoryPage({
    result,
    pageIndex,
    subjectId,
    self,
    retentionDays: services.retentionDays,
  });
  const components =
    view.hasNewer || view.hasOlder
      ? [
          new ActionRowBuilder<ButtonBuilder>().addComponents(
            new ButtonBuilder()
              .setCustomId(`history:${pageIndex - 1}:${subjectId}`)
              .setLabel("◀ Newer")
              .setStyle(ButtonStyle.Secondary)
              .setDisabled(!view.hasNewer),
            new ButtonBuilder()
              .setCustomId(`history:${pageIndex + 1}:${subjectId}`)
              .setLabel("Older ▶")
              .setStyle(ButtonStyle.Secondary)
              .setDisabled(!view.hasOlder),
          ),
        ]
      : [];
  return { content: view.content, components, allowedMentions: { parse: [] } };
}
