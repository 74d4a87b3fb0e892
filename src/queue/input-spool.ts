/** The picture formats a job may take as input: ComfyUI's LoadImage reads all three. */
export const inputImageTypes = ["image/png", "image/jpeg", "image/webp"] as const;
export type InputImageType = (typeof inputImageTypes)[number];

/** A picture a job starts from (an attachment, a result to vary or upscale). */
export interface InputImage {
  bytes: Uint8Array;
  contentType: InputImageType;
}

/**
 * Where the pictures jobs start from are kept, so a job can upload its input to whichever host
 * runs it, again after a restart or on another host, and a reroll of its result can use it too.
 * The reference `keep` returns is the job's `image` value. Pictures are kept per member (the
 * job's owner), so `/forget-me` removes a member's, and pruned by age with the result index.
 * Declared here by the queue, implemented in `src/storage` (memory, and a folder in DATA_DIR).
 */
export interface InputSpool {
  /** Keeps a picture for a job of `ownerId`; resolves with its reference. */
  keep(ownerId: string, image: InputImage): Promise<string>;
  /** The kept picture, or undefined when it is gone (forgotten, pruned) or the reference is not one. */
  load(ref: string): Promise<InputImage | undefined>;
  /** Deletes every picture kept for this member; returns how many. */
  forgetOwner(ownerId: string): Promise<number>;
  /** Deletes pictures kept before `cutoff` (epoch ms); returns how many. */
  pruneBefore(cutoff: number): Promise<number>;
}

/** The file extension ComfyUI (and people) expect for a type. */
export function extensionOf(type: InputImageType): "png" | "jpg" | "webp" {
  return type === "image/png" ? "png" : type === "image/jpeg" ? "jpg" : "webp";
}
