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
