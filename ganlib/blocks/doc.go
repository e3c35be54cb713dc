// Package blocks holds the networks' building blocks, one set per paper, and the two loops that
// wire any set into a generator and a discriminator:
//
//   - Generator runs a paper's GeneratorBlocks from 4x4 up to the output resolution and turns
//     features into images as the family says (Outputs): at the final resolution only, at
//     every resolution (MSG-GAN), or faded in over the previous resolution's (ProGAN's
//     growing); StyleGAN2's skip sums are the other way the loop is built to take.
//   - Discriminator runs a paper's DiscriminatorBlocks from the input resolution down to 4x4
//     and takes images as the family says (Inputs): the full-resolution image only, with its
//     half-resolution path faded out (ProGAN), or one image per connected resolution merged into
//     the main path by MSG-GAN's phi.
//
// A family is then a choice of blocks and of Outputs and Inputs: MSG-ProGAN is ProGAN's blocks
// with every scale out of G and into D; MSG-StyleGAN will be StyleGAN2's blocks with the same
// wiring. Variables are scoped by resolution: "block<r>" for a block, "to_rgb<r>" and
// "from_rgb<r>" for the image layers, "block<r>/phi" for MSG-GAN's combine function.
package blocks
