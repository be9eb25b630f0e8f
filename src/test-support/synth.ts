/** The synthetic scene generator for tests of parts that may not import it themselves (cli, pipeline). */
export { generateScene } from '../core/synth/scene.ts';
