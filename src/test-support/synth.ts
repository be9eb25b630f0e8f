/** The synthetic scene generator for tests of parts that may not import it themselves (cli, pipeline). */
export { generateScene } from '../training/synth/scene.ts';
