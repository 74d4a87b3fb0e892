import { ButtonStyle, ComponentType, type RawFile } from "discord.js";
import type { ButtonView, FileView, MessageView } from "../presentation/message-view.js";
import type { RestPayload } from "./message-transport.js";

const buttonStyles = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
} as const;

/**
 * Turns a rendered view into a REST payload for create/edit. `attachments` lists exactly the
 * view's files, so an edit replaces the previous set (a finished job drops its preview image).
 */
export function viewToPayload(view: MessageView): RestPayload {
  const files: RawFile[] = view.files.map((file) => ({ name: uploadName(file), data: file.bytes }));
  const body: Record<string, unknown> = {
    content: view.content,
    embeds: view.embeds.map((embed) => ({
      ...(embed.title !== undefined ? { title: embed.title } : {}),
      ...(embed.description !== undefined ? { description: embed.description } : {}),
      ...(embed.color !== undefined ? { color: embed.color } : {}),
      ...(embed.fields ? { fields: embed.fields } : {}),
      ...(embed.imageFile !== undefined
        ? { image: { url: `attachment://${fileName(view, embed.imageFile)}` } }
        : {}),
      ...(embed.footer !== undefined ? { footer: { text: embed.footer } } : {}),
      ...(embed.timestamp !== undefined ? { timestamp: embed.timestamp } : {}),
    })),
    // `description` is the alt text screen readers announce for the image.
    attachments: view.files.map((file, index) => ({
      id: index,
      filename: uploadName(file),
      ...(file.description !== undefined ? { description: file.description } : {}),
    })),
    components: actionRows(view.buttons ?? []),
    // Prompts are user text: a result never pings anyone.
    allowed_mentions: { parse: [] },
  };
  return { body, files };
}

/** Buttons grouped by their row, in row order; Discord takes 5 rows of 5. */
function actionRows(buttons: readonly ButtonView[]): Record<string, unknown>[] {
  const rows = new Map<number, ButtonView[]>();
  for (const button of buttons) {
    const row = button.row ?? 0;
    rows.set(row, [...(rows.get(row) ?? []), button]);
  }
  return [...rows.entries()]
    .sort(([a], [b]) => a - b)
    .slice(0, 5)
    .map(([, inRow]) => ({
      type: ComponentType.ActionRow,
      components: inRow.slice(0, 5).map((button) => ({
        type: ComponentType.Button,
        custom_id: button.customId,
        label: button.label,
        style: buttonStyles[button.style],
        ...(button.emoji ? { emoji: { name: button.emoji } } : {}),
        ...(button.disabled ? { disabled: true } : {}),
      })),
    }));
}

function uploadName(file: FileView): string {
  return file.spoiler && !file.name.startsWith("SPOILER_") ? `SPOILER_${file.name}` : file.name;
}

function fileName(view: MessageView, name: string): string {
  const file = view.files.find((candidate) => candidate.name === name);
  return file ? uploadName(file) : name;
}
