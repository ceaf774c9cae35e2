// @osusume/posters: item tags from poster images, by an ONNX image model run with onnxruntime-node.

export {
  decodeImage,
  type ImageFit,
  type ImageFormat,
  imageFormat,
  imageToTensor,
  type Normalization,
  type RgbaImage,
  resizeBilinear,
} from './image.js';
export {
  DEFAULT_INPUT_SIZE,
  IMAGENET_MEAN,
  IMAGENET_STD,
  type OnnxPosterOptions,
  OnnxPosterTags,
  POSTER_EXTENSIONS,
  type PosterReport,
  posterTags,
} from './onnx-poster-tags.js';
export { checkTagNames, readTagNames, writeItemTagsFile } from './tag-files.js';
