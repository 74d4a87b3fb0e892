import type { Logger } from "pino";

/** How `startComfySimulator` behaves; everything is optional and defaults to the real server's ways. */
export interface SimulatorOptions {
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /** Time per sampler step, default 50. */
  stepMs?: number;
  /** Extra time in CheckpointLoaderSimple when the checkpoint differs from the last one loaded, default 0. */
  loadMs?: number;
  /** ckpt_name combo options. */
  checkpoints?: string[];
  /** Files in models/loras: LoraLoader's and LoraLoaderModelOnly's `lora_name` options. Default none. */
  loras?: string[];
  /**
   * Files in models/upscale_models: UpscaleModelLoader's `model_name` options. The factor comes
   * from the name ("4x-UltraSharp.pth" is 4×, "RealESRGAN_x2plus.pth" 2×; 4× if it says none).
   * Default none.
   */
  upscaleModels?: string[];
  /** Node classes this host lacks, e.g. the upscale-model nodes of a ComfyUI without spandrel. */
  withoutNodes?: string[];
  /** `--max-upload-size` in bytes: larger `/upload/image` bodies get 413. Default 100 MiB, as ComfyUI. */
  maxUploadBytes?: number;
  /** "none" = no binary preview frames (ComfyUI's default), default "auto". */
  previewMethod?: "none" | "auto";
  /** Pad each output PNG to at least this many bytes (a filler tEXt chunk), default 0. */
  outputPadBytes?: number;
  /** class_types or node ids that raise an execution_error when run. */
  failNodes?: string[];
  /** Largest side of the rendered PNG; nominal sizes above it are scaled down to keep tests fast. Default 256. */
  maxRenderSide?: number;
  /**
   * A runaway server: every JSON answer is followed by this many bytes of whitespace (still valid
   * JSON), streamed without a Content-Length. Default 0.
   */
  jsonPadBytes?: number;
  /** Oversized binary frames: each preview JPEG is followed by this many filler bytes. Default 0. */
  previewPadBytes?: number;
  /**
   * Behind an authenticating reverse proxy: every HTTP route and the socket upgrade answer 401
   * without `Authorization: Basic` for these credentials.
   */
  basicAuth?: { username: string; password: string };
  now?: () => number;
  newId?: () => string;
  logger?: Logger;
}
