/** The part of multer's in-memory file this code uses (no @types/multer needed). */
export interface UploadedImage {
  fieldname: string;
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}
