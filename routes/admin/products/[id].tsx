/**
 * `/admin/products/:id` — edit a loan product (risk.rules): every field validated by `updateProduct`
 * (field errors next to each field), the change audited as `product.update`. Post/redirect/get.
 * @module
 */
import { type ProductEditData, ProductEditPage } from "../../../components/lending/ProductEditPage.tsx";
import { HttpError, page, readForm } from "../../../framework/mod.ts";
import {
  getProduct,
  type ProductFormInput,
  UPDATE_PRODUCT_MESSAGES,
  updateProduct,
} from "../../../domain/lending/products.ts";
import { productFormValues, readProductForm } from "../../../domain/lending/product_form.ts";
import { define, formText } from "../../../utils.ts";

async function readProductFormRequest(req: Request): Promise<ProductFormInput> {
  const form = await readForm(req);
  return readProductForm(formText(form, 40), form.getAll("methods"));
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "编辑借款产品";
    const product = await getProduct(ctx.state.sql, ctx.params.id);
    if (!product) throw new HttpError(404);
    return page<ProductEditData>({ product, values: productFormValues(product), errors: {} });
  },
  async POST(ctx) {
    ctx.state.title = "编辑借款产品";
    const product = await getProduct(ctx.state.sql, ctx.params.id);
    if (!product) throw new HttpError(404);
    const values = await readProductFormRequest(ctx.req);
    const r = await updateProduct(ctx.state.sql, { staff: ctx.state.staff!, ip: ctx.state.clientIp }, {
      productId: product.id,
      ...values,
    });
    if (r.ok) return ctx.redirect("/admin/products?done=saved", 303);
    if (r.code === "invalid_input") {
      return page<ProductEditData>({ product, values, errors: r.fields }, { status: 422 });
    }
    if (r.code === "not_found") throw new HttpError(404);
    return page<ProductEditData>({ product, values, errors: { form: [UPDATE_PRODUCT_MESSAGES[r.code]] } }, {
      status: 403,
    });
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <ProductEditPage data={data} csrfToken={state.csrfToken} />
));
