/** The model folders whose files the simulator lists (`/models/<folder>` and the loaders' combos). */
export type ModelFolder = "checkpoints" | "loras" | "upscale_models";

/**
 * The model files "on disk", per folder, in the order given (ComfyUI sorts; pass them sorted to
 * match). Replacing a list is like dropping files into the folder: visible at once.
 */
export class ModelLists {
  private readonly lists: Record<ModelFolder, string[]>;

  constructor(initial: Record<ModelFolder, readonly string[]>) {
    this.lists = {
      checkpoints: [...initial.checkpoints],
      loras: [...initial.loras],
      upscale_models: [...initial.upscale_models],
    };
  }

  get(folder: ModelFolder): readonly string[] {
    return this.lists[folder];
  }

  set(folder: ModelFolder, list: readonly string[]): void {
    this.lists[folder] = [...list];
  }

  /** `/models/<folder>`: the files for the folders above, undefined for the others. */
  forFolder(folder: string): readonly string[] | undefined {
    return folder === "checkpoints" || folder === "loras" || folder === "upscale_models"
      ? this.lists[folder]
      : undefined;
  }
}
