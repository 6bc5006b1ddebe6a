export {
  loadImage,
  loadImages,
  createRgbImage,
  encodeImage,
  hashPixels,
  isUrlAllowed,
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_MAX_IMAGE_PIXELS,
  DEFAULT_FETCH_TIMEOUT_MS,
  type ImageInput,
  type ImageLoadOptions,
  type RawPixelsInput,
} from './load.js';
