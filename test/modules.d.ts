// Older majors installed under npm aliases for the adapter matrix.
declare module 'express4' {
  import express from 'express';
  export default express;
}
