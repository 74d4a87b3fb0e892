import { describe, expect, it } from "vitest";
import { previewMethod } from "../../src/cli/doctor/check-comfy-host.js";
import {
  guildPermissions,
  missingPermissions,
  requiredPermissions,
} from "../../src/discord/guild-permissions.js";
import { outputPaths } from "../../src/cli/generate-command.js";
import { Permission } from "../fakes/discord/index.js";

const guild = {
  guildId: "100",
  ownerId: "1",
  roles: [
    { id: "100", permissions: String(Permission.viewChannel | Permission.sendMessages) },
    { id: "200", permissions: String(Permission.administrator) },
    { id: "300", permissions: String(Permission.attachFiles) },
  ],
};

describe("guild permissions as the doctor computes them", () => {
  it("adds @everyone to the member's own roles and ignores roles it lacks", () => {
    const bits = guildPermissions(guild, { userId: "2", roleIds: ["300"] });
    expect(missingPermissions(bits, requiredPermissions)).toEqual([
      "Add Reactions",
      "Read Message History",
      "Embed Links",
    ]);
  });

  it("grants everything to the owner and to Administrator", () => {
    expect(
      missingPermissions(guildPermissions(guild, { userId: "1", roleIds: [] }), requiredPermissions),
    ).toEqual([]);
    expect(
      missingPermissions(guildPermissions(guild, { userId: "2", roleIds: ["200"] }), requiredPermissions),
    ).toEqual([]);
  });
});

describe("ComfyUI's preview method from its command line", () => {
  it("reads both spellings and reports none when the flag is absent", () => {
    expect(previewMethod(["main.py", "--preview-method", "auto"])).toBe("auto");
    expect(previewMethod(["main.py", "--preview-method=taesd"])).toBe("taesd");
    expect(previewMethod(["main.py", "--listen"])).toBeUndefined();
    expect(previewMethod(undefined)).toBeUndefined();
  });
});

describe("where generate writes", () => {
  it("keeps the output's extension in the default name and numbers several files", () => {
    expect(outputPaths("/p", undefined, "j1", [{ filename: "ComfyUI_00001_.webp" }])).toEqual([
      "/p/comfycord-j1.webp",
    ]);
    expect(outputPaths("/p", "out/x.png", "j1", [{ filename: "a.png" }, { filename: "b.png" }])).toEqual([
      "/p/out/x-1.png",
      "/p/out/x-2.png",
    ]);
  });
});
