import path from 'node:path';
import { ImageSourceNotAllowedError, InvalidImageInputError, isUrlAllowed, loadImage, type RgbImage } from '@t2i-reward/core';

/** Where the server may read images from, and how big they may be. */
export interface ImagePolicy {
  /** Image paths are resolved under this directory and must stay inside it; without it paths are refused. */
  imageRoot?: string;
  /** http(s) origins or URL prefixes that may be fetched; without it URLs are refused. */
  allowUrls?: readonly string[];
  maxImageBytes?: number;
  maxImagePixels?: number;
  /** Longest an image URL download may take, in ms (the item fails past it). Default: core's 30000. */
  imageFetchTimeoutMs?: number;
}

/**
 * An image as clients send it: a string (data URL, http(s) URL, base64 of the encoded bytes, or a path under
 * the image root), an object naming the form explicitly, or raw encoded bytes (KServe binary BYTES).
 */
export type ImageReference = string | Uint8Array | { base64: string } | { path: string } | { url: string };

/** Magic numbers of the formats core decodes: tells base64 of an image apart from a path. */
function looksLikeEncodedImage(bytes: Uint8Array): boolean {
  const starts = (...sig: number[]) => sig.every((value, index) => bytes[index] === value);
  return (
    starts(0x89, 0x50, 0x4e, 0x47) || // PNG
    starts(0xff, 0xd8, 0xff) || // JPEG
    (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45) || // RIFF....WEBP
    starts(0x47, 0x49, 0x46, 0x38) || // GIF8
    starts(0x49, 0x49, 0x2a, 0x00) || // TIFF LE
    starts(0x4d, 0x4d, 0x00, 0x2a) || // TIFF BE
    (bytes[4] === 0x66 && bytes[5] === 0x74 && bytes[6] === 0x79 && bytes[7] === 0x70) // ....ftyp (AVIF / HEIF)
  );
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function decodeBase64(text: string): Uint8Array | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length < 16 || !BASE64.test(compact)) return undefined;
  return new Uint8Array(Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64'));
}

function refusePath(reference: string, policy: ImagePolicy): void {
  if (policy.imageRoot === undefined) {
    throw new ImageSourceNotAllowedError('image paths are refused: the server has no image root (start it with --image-root DIR)', {
      data: { path: reference },
    });
  }
  // Refused outright, even when the result would land inside the root: a client sending "../" is probing.
  if (reference.split(/[\\/]+/).includes('..')) {
    throw new ImageSourceNotAllowedError(`${reference}: ".." path segments are refused`, { data: { path: reference } });
  }
  const root = path.resolve(policy.imageRoot);
  const lexical = path.resolve(root, reference);
  const relative = path.relative(root, lexical);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new ImageSourceNotAllowedError(`${reference} is outside the image root`, { data: { path: reference } });
  }
}

function refuseUrl(reference: string, policy: ImagePolicy): void {
  let url: URL;
  try {
    url = new URL(reference);
  } catch (error) {
    throw new InvalidImageInputError(`malformed image URL: ${reference.slice(0, 80)}`, { cause: error });
  }
  if (!isUrlAllowed(url, policy.allowUrls)) {
    throw new ImageSourceNotAllowedError(`${url.href} is not on the server's URL allow-list (--allow-url)`, { data: { url: url.href } });
  }
}

/** What kind of source a reference is; checked against the policy before anything is read or fetched. */
export type ClassifiedReference =
  { form: 'bytes'; bytes: Uint8Array } | { form: 'data-url'; value: string } | { form: 'url'; value: string } | { form: 'path'; value: string };

/**
 * Classifies a reference and applies the policy. Throws ImageSourceNotAllowedError (the server answers 403)
 * for a path without a root, outside the root or with "..", and for URLs off the allow-list; throws
 * InvalidImageInputError for shapes it does not know.
 */
export function classifyImageReference(reference: unknown, policy: ImagePolicy): ClassifiedReference {
  if (reference instanceof Uint8Array) return { form: 'bytes', bytes: reference };
  if (typeof reference === 'object' && reference !== null) {
    const keys = Object.keys(reference);
    const record = reference as Record<string, unknown>;
    if (keys.length === 1 && typeof record.base64 === 'string') {
      const bytes = decodeBase64(record.base64);
      if (!bytes) throw new InvalidImageInputError('image.base64 is not valid base64');
      return { form: 'bytes', bytes };
    }
    if (keys.length === 1 && typeof record.path === 'string') {
      refusePath(record.path, policy);
      return { form: 'path', value: record.path };
    }
    if (keys.length === 1 && typeof record.url === 'string') {
      if (/^data:/i.test(record.url.trim())) return { form: 'data-url', value: record.url.trim() };
      refuseUrl(record.url.trim(), policy);
      return { form: 'url', value: record.url.trim() };
    }
    throw new InvalidImageInputError('image object must have exactly one of "base64", "path" or "url"');
  }
  if (typeof reference !== 'string' || reference.trim().length === 0) {
    throw new InvalidImageInputError('image must be a non-empty string or an object with "base64", "path" or "url"');
  }
  const text = reference.trim();
  if (/^data:/i.test(text)) return { form: 'data-url', value: text };
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(text)) {
    if (!/^https?:\/\//i.test(text)) throw new ImageSourceNotAllowedError(`unsupported image URL scheme: ${text.slice(0, 40)}`);
    refuseUrl(text, policy);
    return { form: 'url', value: text };
  }
  // Base64 only when it decodes to a known image signature: a path never does.
  const bytes = decodeBase64(text);
  if (bytes && looksLikeEncodedImage(bytes)) return { form: 'bytes', bytes };
  refusePath(text, policy);
  return { form: 'path', value: text };
}

/** Loads a classified reference with core's decoder under the same policy (core re-checks root and allow-list). */
export function loadClassifiedImage(
  reference: ClassifiedReference,
  policy: ImagePolicy,
  signal?: AbortSignal,
  beforeDecode?: (info: { width: number; height: number; format: string }) => void | Promise<void>,
): Promise<RgbImage> {
  const options = {
    ...(policy.imageFetchTimeoutMs !== undefined ? { fetchTimeoutMs: policy.imageFetchTimeoutMs } : {}),
    ...(beforeDecode ? { beforeDecode } : {}),
    ...(policy.maxImageBytes !== undefined ? { maxBytes: policy.maxImageBytes } : {}),
    ...(policy.maxImagePixels !== undefined ? { maxPixels: policy.maxImagePixels } : {}),
    allowUrls: policy.allowUrls ?? [],
    ...(policy.imageRoot !== undefined ? { allowedRoot: policy.imageRoot } : {}),
    ...(signal ? { signal } : {}),
  };
  return loadImage(reference.form === 'bytes' ? reference.bytes : reference.value, options);
}
