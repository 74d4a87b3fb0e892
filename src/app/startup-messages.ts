/** Text printed when the bot cannot start; kept apart so the CLI and `main` say the same thing. */
export const missingTokenHelp = `comfycord needs a Discord bot token to connect.

  1. Open https://discord.com/developers/applications, create (or pick) an application.
  2. Under "Bot", press "Reset Token" and copy it.
  3. Put it in a file named .env in the project folder:

       DISCORD_TOKEN=your-token-here

  4. Invite the bot with the "bot" and "applications.commands" scopes (see README, "Create the Discord application").

To try comfycord without Discord or a GPU, see the README's "Try it without a GPU" section
(\`npm run simulator\` and \`npm run generate -- "a prompt"\`).
`;

/** Discord answered 401 to the token, or closed the gateway with 4004 (authentication failed). */
export const discordTokenRefused =
  "Discord refused the bot token: DISCORD_TOKEN is wrong, or it was reset. Copy a new one (https://discord.com/developers/applications → your application → Bot → Reset Token) into .env as DISCORD_TOKEN=…, then start again.";

/** No answer from Discord's API at all (refused, unknown host, timed out). */
export function discordUnreachable(apiUrl: string, cause: string): string {
  return `Could not reach Discord at ${apiUrl} (${cause}): check this machine's network connection, DNS, firewall or proxy, and DISCORD_API_URL (default https://discord.com/api), then start again.`;
}

/** Discord answered with server errors (5xx) through discord.js's retries. */
export function discordDown(apiUrl: string, status: number): string {
  return `Discord answered ${status} at ${apiUrl}: its API is failing right now (see https://discordstatus.com); start again in a few minutes.`;
}
